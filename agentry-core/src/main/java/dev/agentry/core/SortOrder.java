package dev.agentry.core;

/** The order of a listing. */
public enum SortOrder {
  ASC,
  DESC
}
