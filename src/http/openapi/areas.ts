/**
 * The areas of the API the document describes, one line each: a new area is a module of paths/ exporting
 * `paths` and `schemas`, and its line here.
 */
export * as adminParticipants from './paths/admin-participants.js';
export * as documents from './paths/documents.js';
export * as inbox from './paths/inbox.js';
export * as reference from './paths/reference.js';
export * as tenants from './paths/tenants.js';
export * as lookup from './paths/lookup.js';
export * as webhooks from './paths/webhooks.js';
export * as mls from './paths/mls.js';
export * as email from './paths/email.js';
export * as renderings from './paths/renderings.js';
export * as reports from './paths/reports.js';
export * as archive from './paths/archive.js';
