package io.sluice.filters;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The H2 table {@code "applied"} in which driver tests' consumers record, in the offset transaction, the offset of
 * each message they apply. It has no key, so a message applied twice shows twice.
 */
final class AppliedTable {

    private AppliedTable() {
    }

    /** Creates the table, empty. */
    static void create(DataSource database) throws SQLException {
        try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"applied\" (\"off\" BIGINT NOT NULL)");
        }
    }

    /** The offsets recorded, in order, with repeats. */
    static List<Long> offsets(DataSource database) {
        try (Connection c = database.getConnection()) {
            return DSL.using(c, SQLDialect.H2).fetch("SELECT \"off\" FROM \"applied\" ORDER BY \"off\"")
                    .getValues(0, Long.class);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
