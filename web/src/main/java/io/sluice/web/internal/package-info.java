/** Machinery shared by the dashboard and the console; not an API. */
package io.sluice.web.internal;
