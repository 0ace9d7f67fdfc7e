-- Sluice offset table, format 1 -> format 2: rows keyed by (consumer group, topic, partition), with an epoch that
-- grows each time a row moves backwards. Run it once, with the consumers stopped; it is transactional here.
-- ${sluice_consumer_group} is the group.id that consumed with the existing rows (a Flyway placeholder; replace it by
-- hand otherwise). The same as PartitionOffsets.migrateToV2(group).
-- "kafka_partitions_pkey" is the name PostgreSQL gives the format-1 primary key of a table named "kafka_partitions".
ALTER TABLE "kafka_partitions" ADD COLUMN "consumer_group" VARCHAR(255);
UPDATE "kafka_partitions" SET "consumer_group" = '${sluice_consumer_group}';
ALTER TABLE "kafka_partitions" ALTER COLUMN "consumer_group" SET NOT NULL;
ALTER TABLE "kafka_partitions" ADD COLUMN "epoch" BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE "kafka_partitions" DROP CONSTRAINT "kafka_partitions_pkey";
ALTER TABLE "kafka_partitions" ADD PRIMARY KEY ("consumer_group", "topic", "partition");
