ALTER TABLE `leases` ADD `beat` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `leases` ADD `pid` integer;--> statement-breakpoint
ALTER TABLE `leases` ADD `host` text;--> statement-breakpoint
ALTER TABLE `alarms` ADD `episodes` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `claim_token` text;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `claimed_until` integer;