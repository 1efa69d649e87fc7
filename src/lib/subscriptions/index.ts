export { requestSubscription, confirmSubscription, unsubscribe, subscriberCount, parseSubscribe, type SubscriptionSettings } from './subscriptions';
export { notifySubscribersOfIncidentUpdate, notifySubscribersOfMaintenance, remindUpcomingMaintenances, type NotifyOptions } from './notify';
export { maintenanceReminderJob } from './reminder-job';
export { RateLimiter } from './rate-limit';
