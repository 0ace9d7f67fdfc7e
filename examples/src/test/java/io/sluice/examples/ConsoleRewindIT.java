package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import io.sluice.web.console.CommandSettings;
import io.sluice.web.console.CommandSigner;
import io.sluice.web.console.ConsoleSettings;
import io.sluice.web.console.ConsoleTopics;
import io.sluice.web.console.PartitionReport;
import io.sluice.web.console.ReporterSettings;
import io.sluice.web.console.SluiceCommands;
import io.sluice.web.console.SluiceConsole;
import io.sluice.web.console.SluiceReporter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * From the console, an operator rewinds an offset-managed partition: the runtime re-applies exactly the rewound
 * range (the effects table counts each offset), a stale expectation is prevented and a target beyond the log is out
 * of range — with the database offset on the partitions page as the offset manager last saw it.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ConsoleRewindIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOPIC = "accounts";
    private static final String GROUP = "rewind-it";

    private final EmbeddedKafka kafka;

    ConsoleRewindIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void aRewindFromTheConsoleReappliesExactlyTheRewoundRange() throws Exception {
        ConsoleTopics topics = new ConsoleTopics("rewind");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        kafka.createTopic(TOPIC, 1);
        JdbcDataSource database = new JdbcDataSource();
        database.setURL("jdbc:h2:mem:rewind_" + UUID.randomUUID().toString().replace('-', '_') + ";DB_CLOSE_DELAY=-1");
        DSLContext db = DSL.using(database, SQLDialect.H2);
        db.createTable("effects").column("msg_offset", SQLDataType.BIGINT.notNull()).execute();
        PartitionOffsets offsets = PartitionOffsets.create(database, SQLDialect.H2);
        offsets.createTableIfMissing();
        Topology topology = Sluice.topology()
                .topic(TOPIC).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> messages.forEach(m ->
                        tx.insertInto(DSL.table(DSL.name("effects"))).columns(DSL.field(DSL.name("msg_offset"), Long.class))
                                .values(m.offset()).execute())))
                .filter(OffsetManager.using(offsets))
                .build();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v" + i));
            }
            producer.flush();
        }
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", GROUP);
        props.put("auto.offset.reset", "earliest");
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
        CommandSigner signer = CommandSigner.withKey("rewinds are signed with this shared key"
                .getBytes(StandardCharsets.UTF_8));
        String token = "rewind token";
        ConsoleSettings consoleSettings = ConsoleSettings.defaults().withTopics(topics)
                .withOperators("rita:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(token.getBytes(StandardCharsets.UTF_8))), signer);

        SluiceRuntime runtime = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                .withCommitInterval(Duration.ofMillis(200)));
        SluiceReporter reporter = SluiceReporter.start(runtime, client, ReporterSettings.defaults().withTopics(topics)
                .withInterval(Duration.ofMillis(300)).withDatabaseOffsets(tp -> offsets.lastSeen(GROUP, tp)
                        .map(s -> new PartitionReport.DatabaseOffset(s.nextOffset(), s.at()))));
        SluiceCommands commands = SluiceCommands.start(runtime, client, CommandSettings.of(signer)
                .withTopics(topics).withMovableTopics(java.util.Set.of(TOPIC)));
        try (SluiceConsole console = SluiceConsole.start(client, consoleSettings); reporter; commands; runtime) {
            runtime.start();
            await(() -> effects(db) == 10);
            String cookie = login(console);
            String page = awaitPage(console, cookie, "/partitions?group=" + GROUP,
                    html -> html.contains("name=\"expected\" value=\"10\""));
            assertTrue(page.contains("<td class=\"num\">10</td>"), "the database offset is shown");

            post(console, cookie, "group=" + GROUP + "&topic=" + TOPIC + "&partition=0&expected=10&target=4");
            await(() -> effects(db) == 16);
            awaitPage(console, cookie, "/partitions?group=" + GROUP, html -> html.contains("applied: moveoffset"));
            for (long offset = 0; offset < 10; offset++) {
                assertEquals(offset < 4 ? 1 : 2, db.fetchCount(DSL.table(DSL.name("effects")),
                        DSL.field(DSL.name("msg_offset"), Long.class).eq(offset)), "offset " + offset);
            }
            assertEquals(1, db.fetchCount(DSL.table(DSL.name(offsets.movesTableName()))), "audited");

            post(console, cookie, "group=" + GROUP + "&topic=" + TOPIC + "&partition=0&expected=7&target=2");
            awaitPage(console, cookie, "/partitions?group=" + GROUP, html -> html.contains("prevented: moveoffset"));
            post(console, cookie, "group=" + GROUP + "&topic=" + TOPIC + "&partition=0&expected=10&target=99");
            awaitPage(console, cookie, "/partitions?group=" + GROUP, html -> html.contains("out_of_range: moveoffset"));
            assertEquals(16, effects(db), "neither changed anything");
            assertEquals(1, db.fetchCount(DSL.table(DSL.name(offsets.movesTableName()))));
        }
    }

    private static int effects(DSLContext db) {
        return db.fetchCount(DSL.table(DSL.name("effects")));
    }

    private static String login(SluiceConsole console) throws Exception {
        HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=rewind+token")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, login.statusCode(), login.body());
        return login.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
    }

    private static void post(SluiceConsole console, String cookie, String form) throws Exception {
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page(console, cookie, "/"));
        assertTrue(csrf.find());
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/commands/move"))
                .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form + "&csrf=" + csrf.group(1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, r.statusCode(), r.body());
    }

    private static String page(SluiceConsole console, String cookie, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(console.url().resolve(path)).header("Cookie", cookie).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String awaitPage(SluiceConsole console, String cookie, String path,
                                    java.util.function.Predicate<String> wanted) {
        String[] last = {""};
        await(() -> wanted.test(last[0] = page(console, cookie, path)));
        return last[0];
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s");
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll again
        }
    }
}
