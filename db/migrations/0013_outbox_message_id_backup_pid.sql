ALTER TABLE `backups` ADD `pid` integer;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `message_id` text;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `maybe_delivered_at` integer;