package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import org.junit.jupiter.api.Test;

class InfrastructureFailureTest {

    @Test
    void theUsersOwnInfrastructureFailureIsOneAnywhereInTheCauseChain() {
        assertTrue(InfrastructureFailure.isInfrastructure(new InfrastructureFailure("payments service down")));
        assertTrue(InfrastructureFailure.isInfrastructure(
                new IllegalStateException("wrapped", new InfrastructureFailure("down"))));
    }

    @Test
    void transientSqlStatesAreInfrastructure() {
        for (String state : new String[] {"08001", "08006", "53300", "57P01", "40001", "40P01", "55P03", "HYT00",
                "25P03"}) {
            assertTrue(InfrastructureFailure.isInfrastructure(new RuntimeException(new SQLException("x", state))),
                    state);
        }
    }

    @Test
    void mariaDbLockWaitTimeoutAndDeadlockAreInfrastructureByVendorCode() {
        assertTrue(InfrastructureFailure.isInfrastructure(new SQLException("lock wait", "HY000", 1205)));
        assertTrue(InfrastructureFailure.isInfrastructure(new SQLException("deadlock", "40001", 1213)));
        assertTrue(InfrastructureFailure.isInfrastructure(new SQLException("deadlock", "HY000", 1213)));
    }

    @Test
    void deterministicErrorsAreMessageFailures() {
        assertFalse(InfrastructureFailure.isInfrastructure(
                new SQLIntegrityConstraintViolationException("duplicate key", "23505")));
        assertFalse(InfrastructureFailure.isInfrastructure(new SQLException("syntax", "42601")));
        assertFalse(InfrastructureFailure.isInfrastructure(new IllegalArgumentException("bad order")));
        assertFalse(InfrastructureFailure.isInfrastructure(null));
    }

    @Test
    void aChainedNextExceptionCounts() {
        SQLException batch = new SQLException("batch failed", "22000");
        batch.setNextException(new SQLException("connection lost", "08006"));
        assertTrue(InfrastructureFailure.isInfrastructure(batch));
    }
}
