package io.sluice.filters;

import javax.sql.DataSource;
import org.jooq.SQLDialect;

/** {@link VirtualPartitionsOffsetsContract} on H2. */
class VirtualPartitionsOffsetsDriverTest extends VirtualPartitionsOffsetsContract {

    private static final DataSource DATABASE = Databases.h2();

    @Override
    DataSource dataSource() {
        return DATABASE;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.H2;
    }
}
