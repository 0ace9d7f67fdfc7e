-- Sluice offset table, format 1 (Sluice 0.1): one row per topic partition. MariaDB (MySQL: accepted, not tested).
-- Kept so that a migration tool can bring an empty database to the current format by running V1 and then V2.
-- Names are quoted with backticks everywhere (`partition` is a reserved word), so rename `kafka_partitions` if your
-- store uses another table.
CREATE TABLE IF NOT EXISTS `kafka_partitions` (
    `topic`       VARCHAR(255) NOT NULL,
    `partition`   INTEGER      NOT NULL,
    `next_offset` BIGINT       NOT NULL,
    PRIMARY KEY (`topic`, `partition`)
) ENGINE = InnoDB;
