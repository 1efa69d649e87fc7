/**
 * The check types a monitor can have. Each has one module in ./checks/ behind the
 * CheckType interface, registered in ./registry.ts.
 */
export const monitorTypes = ['http', 'tcp', 'ping', 'dns', 'tls', 'mysql', 'ftp', 'page-health', 'resources', 'push', 'external'] as const;
export type MonitorType = (typeof monitorTypes)[number];
