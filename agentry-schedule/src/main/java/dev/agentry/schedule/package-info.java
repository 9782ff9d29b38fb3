/**
 * Scheduled deployments: cron occurrences on the wall clock of a time zone ({@link CronSchedule}),
 * the scheduler that claims each occurrence in the database and fires it once across all nodes
 * ({@link DeploymentScheduler}), and the start of one run, scheduled or manual ({@link
 * DeploymentRuns}). Sessions are made by a {@link SessionLauncher} that the server supplies.
 */
package dev.agentry.schedule;
