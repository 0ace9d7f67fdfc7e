package io.sluice.web.console;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.web.internal.Json;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets operators act on one runtime through the console — off unless started. It reads, with {@code assign()} and
 * no group:
 * <ul>
 *   <li>the compacted pauses topic, from its start, <b>before {@link #start} returns</b>, so a runtime started
 *       afterwards pauses an operator-paused partition before it fetches anything; then every change to it. A
 *       pause is a signed {@link OperatorCommand.Pause} under the key {@code [group, topic, partition]}, a resume a
 *       tombstone; records that are not validly signed are ignored;</li>
 *   <li>the commands topic, from its end: each record passes the {@link CommandGate} (signed, within the expiry,
 *       not seen before — otherwise dropped and logged, an expired one answered {@code expired}); commands for
 *       another group are ignored; the runtime answers on the results topic: {@code applied} where it holds the
 *       partition, {@code not_owner} elsewhere;</li>
 *   <li>a move of an offset-managed row ({@link OperatorCommand.MoveOffset}) is taken only on a topic the settings
 *       allow ({@link CommandSettings#movableTopics()}), by the runtime holding the partition, when the target lies
 *       within the log ({@code out_of_range} otherwise) and the row still equals the expectation ({@code prevented}
 *       otherwise): the store moves it and audits it in one transaction, then the runtime voids its marks and
 *       enforces the partition again — the one case where a mark moves back.</li>
 * </ul>
 */
public final class SluiceCommands implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SluiceCommands.class);
    private static final Duration READ_TO_END = Duration.ofSeconds(30);

    private final SluiceRuntime runtime;
    private final CommandSettings settings;
    private final String group;
    private final CommandGate gate;
    private final KafkaConsumer<String, String> reader;
    private final KafkaProducer<String, String> answers;
    private final Thread thread;
    private volatile boolean running = true;

    private SluiceCommands(SluiceRuntime runtime, Map<String, Object> kafka, CommandSettings settings) {
        this.runtime = runtime;
        this.settings = settings;
        this.group = runtime.consumerConfig().getOrDefault("group.id", "");
        this.gate = new CommandGate(settings.signer(), settings.clock(), settings.expiry());
        Map<String, Object> consumer = new HashMap<>(kafka);
        consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, runtime.name() + "-commands");
        this.reader = new KafkaConsumer<>(consumer, new StringDeserializer(), new StringDeserializer());
        Map<String, Object> producer = new HashMap<>(kafka);
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, runtime.name() + "-command-results");
        producer.put(ProducerConfig.ACKS_CONFIG, "1");
        this.answers = new KafkaProducer<>(producer, new StringSerializer(), new StringSerializer());
        this.thread = new Thread(this::read, "sluice-commands-" + runtime.name());
        this.thread.setDaemon(true);
    }

    /**
     * Starts taking commands for {@code runtime}: reads the pauses topic to its end first (so call it before
     * {@code runtime.start()}), then follows it and the commands topic.
     *
     * @param kafka connection settings (bootstrap servers, security)
     * @throws IllegalStateException when a console topic is missing (naming it and the install command), or the
     *                               pauses topic cannot be read to its end within 30 s
     */
    public static SluiceCommands start(SluiceRuntime runtime, Map<String, Object> kafka, CommandSettings settings) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(settings, "settings");
        try (Admin admin = Admin.create(new HashMap<>(kafka))) {
            settings.topics().requireInstalled(admin);
        }
        SluiceCommands commands = new SluiceCommands(runtime, kafka, settings);
        try {
            commands.catchUp();
        } catch (RuntimeException e) {
            commands.close();
            throw e;
        }
        commands.thread.start();
        return commands;
    }

    @Override
    public void close() {
        running = false;
        reader.wakeup();
        if (thread.isAlive()) {
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            reader.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
        answers.close(Duration.ofSeconds(5));
    }

    private void catchUp() {
        TopicPartition pauses = new TopicPartition(settings.topics().pauses(), 0);
        TopicPartition commands = new TopicPartition(settings.topics().commands(), 0);
        reader.assign(List.of(pauses, commands));
        reader.seekToBeginning(List.of(pauses));
        long commandsEnd = reader.endOffsets(List.of(commands)).get(commands);
        reader.seek(commands, commandsEnd);
        long pausesEnd = reader.endOffsets(List.of(pauses)).get(pauses);
        reader.pause(List.of(commands));
        long deadline = System.nanoTime() + READ_TO_END.toNanos();
        while (reader.position(pauses) < pausesEnd) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cannot read " + pauses + " to its end (" + pausesEnd + ") within "
                        + READ_TO_END);
            }
            for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(200))) {
                pause(r);
            }
        }
        reader.resume(List.of(commands));
    }

    private void read() {
        try {
            while (running) {
                for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(500))) {
                    try {
                        if (r.topic().equals(settings.topics().pauses())) {
                            pause(r);
                        } else {
                            command(r);
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("[{}] skipped {} at {}: {}", runtime.name(), r.topic(), r.offset(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("[{}] stopped taking operator commands", runtime.name(), e);
        } finally {
            reader.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /** The key of a partition's record in the pauses topic. */
    static String pauseKey(String group, String topic, int partition) {
        return Json.write(List.of(group, topic, partition));
    }

    private void pause(ConsumerRecord<String, String> r) {
        if (!(r.key() != null && Json.read(r.key()) instanceof List<?> key && key.size() == 3
                && group.equals(key.get(0)) && key.get(1) instanceof String topic && key.get(2) instanceof Long p)) {
            return; // another group's partition, or not a pause record
        }
        TopicPartition tp = new TopicPartition(topic, Math.toIntExact(p));
        if (r.value() == null) {
            runtime.resumeByOperator(tp);
            return;
        }
        OperatorCommand command;
        try {
            command = settings.signer().open(r.value());
        } catch (CommandRejectedException e) {
            LOG.warn("[{}] ignored a pause of {} that is not validly signed: {}", runtime.name(), tp, e.getMessage());
            return;
        }
        if (command instanceof OperatorCommand.Pause pause && pause.group().equals(group)
                && pause.topic().equals(tp.topic()) && pause.partition() == tp.partition()) {
            runtime.pauseByOperator(tp);
        }
    }

    private void command(ConsumerRecord<String, String> r) {
        OperatorCommand command;
        try {
            command = gate.admit(r.value());
        } catch (CommandRejectedException e) {
            LOG.warn("[{}] dropped a command at {}: {}", runtime.name(), r.offset(), e.getMessage());
            if (e.reason() == CommandRejectedException.Reason.EXPIRED) {
                answer(null, "expired", e.getMessage());
            }
            return;
        }
        if (!command.group().equals(group)) {
            return;
        }
        OperatorActions.Answer answer = OperatorActions.apply(runtime, group, command, settings.movableTopics(),
                tp -> reader.beginningOffsets(List.of(tp)).get(tp), tp -> reader.endOffsets(List.of(tp)).get(tp));
        answer(command, answer.outcome(), answer.detail());
    }

    private void answer(OperatorCommand command, String outcome, String detail) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", command == null ? null : command.id().toString());
        result.put("command", command == null ? null : command.getClass().getSimpleName().toLowerCase(
                java.util.Locale.ROOT));
        result.put("group", group);
        result.put("topic", command == null ? null : command.topic());
        result.put("partition", command == null ? null : command.partition());
        result.put("issuer", command == null ? null : command.issuer());
        result.put("process", runtime.name());
        result.put("outcome", outcome);
        result.put("detail", detail);
        result.put("at", settings.clock().millis());
        result.put("summary", outcome + ": " + (command == null ? "a command" : result.get("command") + " of "
                + command.topic() + "-" + command.partition() + " by " + command.issuer()) + " at "
                + runtime.name() + " (" + detail + ")");
        answers.send(new ProducerRecord<>(settings.topics().results(), runtime.name(), Json.write(result)));
    }
}
