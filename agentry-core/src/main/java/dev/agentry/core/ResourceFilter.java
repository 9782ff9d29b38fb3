package dev.agentry.core;

/** The filters every resource listing shares. */
public record ResourceFilter(boolean includeArchived, TimeRange createdAt) {
  public static final ResourceFilter ACTIVE = new ResourceFilter(false, TimeRange.ALL);
}
