CREATE TABLE `monitor_setting_history` (
	`monitor_id` integer NOT NULL,
	`from` integer NOT NULL,
	`quorum` integer,
	`counts_for_availability` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `from`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `monitor_location_spans` (
	`monitor_id` integer NOT NULL,
	`location_id` integer NOT NULL,
	`start` integer NOT NULL,
	`end` integer,
	PRIMARY KEY(`monitor_id`, `location_id`, `start`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`location_id`) REFERENCES `probe_locations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Assignments made before their times were kept: assigned for the monitor's whole life.
INSERT INTO `monitor_location_spans` (`monitor_id`, `location_id`, `start`, `end`) SELECT `monitor_id`, `location_id`, 0, NULL FROM `monitor_locations`;
