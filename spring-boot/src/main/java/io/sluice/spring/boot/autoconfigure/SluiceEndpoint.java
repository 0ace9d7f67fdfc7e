package io.sluice.spring.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The read-only {@code sluice} Actuator endpoint: the dashboard's JSON view of every runtime, by Topology bean name
 * (status, topology, assigned partitions, counters, recent errors). Like every endpoint but {@code health} it is not
 * exposed over HTTP unless {@code management.endpoints.web.exposure.include} names it.
 *
 * <p>Error texts can carry JDBC URLs and payload fragments, so they follow Boot's {@code show-values} rules
 * ({@code management.endpoint.sluice.show-values}: {@code never}, the default, {@code when-authorized} with
 * {@code management.endpoint.sluice.roles}, or {@code always}): when not shown they read {@code ******}; when shown
 * they are cut to {@code sluice.dashboard.max-error-length} characters.
 */
@Endpoint(id = "sluice")
public class SluiceEndpoint {

    static final String MASK = ErrorTexts.MASK;

    private final SluiceRuntimes runtimes;
    private final DashboardStates states;
    private final Show showValues;
    private final Set<String> roles;
    private final int maxErrorLength;

    SluiceEndpoint(SluiceRuntimes runtimes, DashboardStates states, Show showValues, Set<String> roles,
                   int maxErrorLength) {
        this.runtimes = runtimes;
        this.states = states;
        this.showValues = showValues;
        this.roles = Set.copyOf(roles);
        this.maxErrorLength = maxErrorLength;
    }

    /**
     * The state of every runtime.
     *
     * @param securityContext the caller, for {@code show-values=when-authorized}
     * @return {@code {"runtimes": {<bean name>: <state>}}}
     */
    @ReadOperation
    public Map<String, Object> sluice(SecurityContext securityContext) {
        boolean show = shows(securityContext);
        Map<String, Object> byBean = new LinkedHashMap<>();
        for (String name : runtimes.topologies().keySet()) {
            Map<String, Object> state = runtimes.runtime(name).flatMap(r -> states.state(name))
                    .map(s -> sanitized(s.snapshot(), show))
                    .orElseGet(() -> Map.of("status", "stopped"));
            byBean.put(name, state);
        }
        return Map.of("runtimes", byBean);
    }

    /** Whether error texts are shown to this caller. */
    boolean shows(SecurityContext securityContext) {
        return showValues.isShown(securityContext, roles);
    }

    /** The snapshot with every error text masked, or cut when shown. */
    Map<String, Object> sanitized(Map<String, Object> snapshot, boolean show) {
        return ErrorTexts.sanitized(snapshot, show ? maxErrorLength : -1);
    }
}
