/**
 * Test support shared by Agentry's modules: contract suites that every {@link
 * dev.agentry.core.Store} implementation must pass ({@link dev.agentry.testkit.EventStoreContract},
 * {@link dev.agentry.testkit.SessionStoreContract}, {@link dev.agentry.testkit.StoreContract}),
 * fixtures that build valid records, and {@link dev.agentry.testkit.PostgresTestDatabase}, a
 * throwaway PostgreSQL database per test class.
 */
package dev.agentry.testkit;
