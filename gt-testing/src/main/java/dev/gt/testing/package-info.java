/** Test support for applications that embed GT: {@link dev.gt.testing.GtServerExtension}. */
package dev.gt.testing;
