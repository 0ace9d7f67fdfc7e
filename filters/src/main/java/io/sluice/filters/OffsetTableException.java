package io.sluice.filters;

/**
 * The offset table cannot be used as it is: it is missing under
 * {@link PartitionOffsets.SchemaManagement#NONE}, it is of an older format (format 1 must be migrated with
 * {@link PartitionOffsets#migrateToV2(String)} or the shipped SQL migration {@code V2__group_and_epoch.sql}), or it
 * lacks the columns of the current format. The message says which and how to fix it.
 *
 * <p>Guarantees: nothing was written. It is an {@link io.sluice.dsl.InfrastructureFailure}: the runtime keeps
 * retrying (and reports the partition as blocked) until an operator fixes the table, instead of dead-lettering
 * healthy messages.
 */
public final class OffsetTableException extends OffsetStoreException {

    private static final long serialVersionUID = 1L;

    OffsetTableException(String message, Throwable cause) {
        super(message, cause);
    }
}
