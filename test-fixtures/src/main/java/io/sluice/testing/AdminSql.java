package io.sluice.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/** The administrative SQL of the throwaway database servers ({@link MariaDbServer}, {@link PostgresServer}). */
final class AdminSql {

    private AdminSql() {
    }

    /**
     * The name {@code prefix_<n>}.
     *
     * @throws IllegalArgumentException when it does not match {@code identifier}
     */
    static String databaseName(String prefix, int n, Pattern identifier) {
        String name = prefix + "_" + n;
        if (!identifier.matcher(name).matches()) {
            throw new IllegalArgumentException("database name '" + name + "' is not a lower-case identifier");
        }
        return name;
    }

    /**
     * Runs one statement on a connection of {@code admin}.
     *
     * @throws IllegalStateException when it fails; the message names the statement and the server's {@code port}
     */
    static void execute(DataSource admin, int port, String sql) {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw failed(sql, port, e);
        }
    }

    /** The exception for {@code sql} failing on the server at {@code port}. */
    static IllegalStateException failed(String sql, int port, SQLException e) {
        return new IllegalStateException(sql + " failed on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
}
