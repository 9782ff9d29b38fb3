/**
 * Git repositories of sessions: the clone of a {@code github_repository} resource, made by the
 * server outside the sandbox with the resource's token (JGit, ADR 0029). The token authenticates
 * the clone only; the checkout's {@code origin} is the plain URL, and later {@code git pull}/{@code
 * git push} from inside the sandbox get the token from the egress proxy.
 */
package dev.agentry.git;
