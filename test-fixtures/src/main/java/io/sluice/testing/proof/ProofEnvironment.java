package io.sluice.testing.proof;

import java.util.Objects;
import javax.sql.DataSource;

/**
 * What a member of an {@link ExactlyOnceProof} run is given to build its topology ({@link ProofTopology#create}):
 * the in-process broker, the run's own topic and consumer group, the member's name, and the database the kit
 * provisioned (which already holds the tables of {@link ExactlyOnceProof#tables}).
 *
 * <p>The member's runtime is started by the kit with {@code bootstrap.servers}, {@code group.id} and a
 * {@code client.id} of {@link #memberId()}; the topology only has to consume {@link #topic()}.
 *
 * @param bootstrapServers the broker's address, never {@code null}
 * @param topic            the topic the kit produces the messages to, never {@code null}
 * @param group            the consumer group every member joins, never {@code null}
 * @param memberId         this member's name ({@code m1}, {@code m2}, ...), unique within the run, never {@code null}
 * @param database         the kind of database, never {@code null}
 * @param jdbcUrl          the database's JDBC URL, never {@code null}
 * @param jdbcUser         the user to connect as, never {@code null}
 * @param jdbcPassword     the password, empty when there is none, never {@code null}
 */
public record ProofEnvironment(String bootstrapServers, String topic, String group, String memberId,
                               ProofDatabase database, String jdbcUrl, String jdbcUser, String jdbcPassword) {

    /** Checks that no component is {@code null}. */
    public ProofEnvironment {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(jdbcUser, "jdbcUser");
        Objects.requireNonNull(jdbcPassword, "jdbcPassword");
    }

    /**
     * A new data source of the run's database that opens a new connection on each {@code getConnection()} (no
     * pool), so that no connection broken by a {@link Fault#DB_OUTAGE} is ever handed out again. Wrap it in a pool
     * of your own if you like; the pool must then drop connections that failed.
     *
     * @return a new data source, never {@code null}
     */
    public DataSource dataSource() {
        return switch (database) {
            case H2 -> h2(jdbcUrl, jdbcUser, jdbcPassword);
            case POSTGRESQL -> postgres(jdbcUrl, jdbcUser, jdbcPassword);
        };
    }

    // one method per driver, so that a class path holding only one of them never needs the other

    private static DataSource h2(String url, String user, String password) {
        org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
        ds.setURL(url);
        ds.setUser(user);
        ds.setPassword(password);
        return ds;
    }

    private static DataSource postgres(String url, String user, String password) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(url);
        ds.setUser(user);
        ds.setPassword(password);
        return ds;
    }
}
