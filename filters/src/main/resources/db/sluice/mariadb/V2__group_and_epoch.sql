-- Sluice offset table, format 1 -> format 2: rows keyed by (consumer group, topic, partition), with an epoch that
-- grows each time a row moves backwards. Run it once, with the consumers stopped. MariaDB (MySQL: accepted, not
-- tested); each DDL statement commits on its own.
-- ${sluice_consumer_group} is the group.id that consumed with the existing rows (a Flyway placeholder; replace it by
-- hand otherwise). The same as PartitionOffsets.migrateToV2(group).
ALTER TABLE `kafka_partitions` ADD COLUMN `consumer_group` VARCHAR(255);
UPDATE `kafka_partitions` SET `consumer_group` = '${sluice_consumer_group}';
ALTER TABLE `kafka_partitions` MODIFY COLUMN `consumer_group` VARCHAR(255) NOT NULL;
ALTER TABLE `kafka_partitions` ADD COLUMN `epoch` BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE `kafka_partitions` DROP PRIMARY KEY;
ALTER TABLE `kafka_partitions` ADD PRIMARY KEY (`consumer_group`, `topic`, `partition`);
