/** Peppol Reporting (TSR 1.0, EUSR 1.1) as a plain library: items, end users, aggregation, XML. */
export * from './aggregate.js';
export * from './end-user.js';
export * from './identifiers.js';
export * from './items.js';
export * from './xml.js';
