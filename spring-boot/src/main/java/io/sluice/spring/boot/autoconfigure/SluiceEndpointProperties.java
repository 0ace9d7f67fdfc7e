package io.sluice.spring.boot.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code sluice} endpoint's {@code management.endpoint.sluice.*} properties, as Boot's own endpoints have. */
@ConfigurationProperties("management.endpoint.sluice")
public class SluiceEndpointProperties {

    /** When to show error texts (they can carry JDBC URLs and payload fragments): NEVER, WHEN_AUTHORIZED, ALWAYS. */
    private Show showValues = Show.NEVER;

    /** The roles that may see error texts under show-values=when-authorized; empty: any authenticated user. */
    private Set<String> roles = new LinkedHashSet<>();

    /** When to show error texts. */
    public Show getShowValues() {
        return showValues;
    }

    /** Sets when to show error texts. */
    public void setShowValues(Show showValues) {
        this.showValues = showValues;
    }

    /** The roles that may see error texts. */
    public Set<String> getRoles() {
        return roles;
    }

    /** Sets the roles that may see error texts. */
    public void setRoles(Set<String> roles) {
        this.roles = roles;
    }
}
