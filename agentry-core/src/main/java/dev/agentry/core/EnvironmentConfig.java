package dev.agentry.core;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** Where an environment's tools run: a cloud-style sandbox Agentry runs, or a client's worker. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = EnvironmentConfig.Cloud.class, name = "cloud"),
  @JsonSubTypes.Type(value = EnvironmentConfig.SelfHosted.class, name = "self_hosted")
})
public sealed interface EnvironmentConfig {

  /** The wire name of this config's type; it cannot change on update. */
  String typeName();

  /** A sandbox run by Agentry, with its egress policy and the packages installed before start. */
  record Cloud(Networking networking, Packages packages) implements EnvironmentConfig {
    @Override
    public String typeName() {
      return "cloud";
    }
  }

  /** Tools executed by a client-run worker. */
  record SelfHosted() implements EnvironmentConfig {
    @Override
    public String typeName() {
      return "self_hosted";
    }
  }

  /** The sandbox's egress policy. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Networking.Unrestricted.class, name = "unrestricted"),
    @JsonSubTypes.Type(value = Networking.Limited.class, name = "limited")
  })
  sealed interface Networking {
    record Unrestricted() implements Networking {}

    record Limited(List<String> allowedHosts, boolean allowMcpServers, boolean allowPackageManagers)
        implements Networking {
      public Limited {
        allowedHosts = List.copyOf(allowedHosts);
      }
    }
  }

  /** Packages per manager, installed alphabetically by manager before the agent runs. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({@JsonSubTypes.Type(value = Packages.class, name = "packages")})
  record Packages(
      List<String> apt,
      List<String> cargo,
      List<String> gem,
      List<String> go,
      List<String> npm,
      List<String> pip) {
    public static final Packages NONE =
        new Packages(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    public boolean isEmpty() {
      return apt.isEmpty()
          && cargo.isEmpty()
          && gem.isEmpty()
          && go.isEmpty()
          && npm.isEmpty()
          && pip.isEmpty();
    }
  }
}
