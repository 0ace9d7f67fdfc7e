package io.sluice.dsl;

/** The settings step of {@link TopologyBuilder#defaults}: settings for every topic. */
public interface Defaults extends SettingsStep<Defaults> {
}
