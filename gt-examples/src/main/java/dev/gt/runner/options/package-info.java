/**
 * The options model of the {@code gt} runner: GT's command-line flags and YAML files, turned into
 * {@link dev.gt.core.GtServer.Builder} and {@link dev.gt.core.GtClient.Builder} instances.
 *
 * <p>One table of definitions ({@link dev.gt.runner.options.OptionTable#SERVER},
 * {@link dev.gt.runner.options.OptionTable#CLIENT}) drives command-line parsing, YAML loading,
 * the {@code -h} text and the builders: an {@link dev.gt.runner.options.Option} of type {@code T}
 * carries the builder setter its value goes to, typed, and shows the library's default rather than
 * a copy of its own. Precedence is defaults &lt; YAML file ({@code -config}) &lt; command line, and
 * an explicit zero stays zero; only options that were given reach the builder.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link dev.gt.runner.options.ServerOptions#parse(String[], java.nio.file.Path)}</li>
 *   <li>{@link dev.gt.runner.options.ClientOptions#parse(String[], java.nio.file.Path)}</li>
 *   <li>{@link dev.gt.runner.options.OptionTable#usage()} for the help text</li>
 * </ul>
 * Every problem is reported as one {@link dev.gt.runner.options.OptionsException} whose message names
 * the option, the value and what was expected; secrets are never part of a message.
 */
package dev.gt.runner.options;
