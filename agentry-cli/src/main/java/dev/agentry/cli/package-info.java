/** The {@code agentry} command line: {@code serve} starts the server; more commands join later. */
package dev.agentry.cli;
