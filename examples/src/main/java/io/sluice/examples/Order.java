package io.sluice.examples;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * One order event as the demo produces it: a CSV line {@code id,customer,amount}, e.g.
 * {@code 17,customer-042,123.45}. Immutable.
 *
 * @param id       the order id, unique in a run, from 1
 * @param customer the customer, never {@code null}, no commas
 * @param amount   the amount with two decimals, never {@code null}
 */
public record Order(long id, String customer, BigDecimal amount) {

    /** Validates the fields. */
    public Order {
        Objects.requireNonNull(customer, "customer");
        Objects.requireNonNull(amount, "amount");
        if (customer.indexOf(',') >= 0) {
            throw new IllegalArgumentException("customer must not contain a comma: " + customer);
        }
    }

    /** The {@code id}-th order of a run: a deterministic customer and amount, so a run is repeatable. */
    public static Order numbered(long id) {
        long customer = (id * 7919) % 500;
        long cents = 100 + (id * 104_729) % 99_900;
        return new Order(id, String.format("customer-%03d", customer),
                BigDecimal.valueOf(cents, 2).setScale(2, RoundingMode.UNNECESSARY));
    }

    /**
     * Parses a CSV line made by {@link #toCsv()}.
     *
     * @throws IllegalArgumentException when the line is not {@code id,customer,amount}
     */
    public static Order parse(String csv) {
        Objects.requireNonNull(csv, "csv");
        String[] fields = csv.split(",", -1);
        if (fields.length != 3) {
            throw new IllegalArgumentException("an order is 'id,customer,amount', was '" + csv + "'");
        }
        try {
            return new Order(Long.parseLong(fields[0]), fields[1], new BigDecimal(fields[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an order is 'id,customer,amount', was '" + csv + "'", e);
        }
    }

    /** The Kafka key: the order id, so one order always lands in the same partition. */
    public String key() {
        return Long.toString(id);
    }

    /** The event as a CSV line. */
    public String toCsv() {
        return id + "," + customer + "," + amount.toPlainString();
    }
}
