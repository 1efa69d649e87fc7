export * from './services';
export * from './monitors';
export * from './incidents';
export * from './maintenances';
export * from './system';
