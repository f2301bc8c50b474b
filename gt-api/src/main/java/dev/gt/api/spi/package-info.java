/** The transport SPI: how GT gets event loops and socket channels. */
package dev.gt.api.spi;
