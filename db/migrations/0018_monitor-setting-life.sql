ALTER TABLE `monitor_setting_history` ADD `confirm` integer;--> statement-breakpoint
ALTER TABLE `monitor_setting_history` ADD `interval_s` integer;--> statement-breakpoint
ALTER TABLE `monitor_setting_history` ADD `timeout_s` integer;--> statement-breakpoint
ALTER TABLE `monitor_setting_history` ADD `service_id` integer;--> statement-breakpoint
-- These settings were never kept with their times: the present values held since the beginning.
UPDATE `monitor_setting_history` SET `confirm` = (SELECT `confirm` FROM `monitors` m WHERE m.`id` = `monitor_id`), `interval_s` = (SELECT `interval_s` FROM `monitors` m WHERE m.`id` = `monitor_id`),
  `timeout_s` = (SELECT `timeout_s` FROM `monitors` m WHERE m.`id` = `monitor_id`), `service_id` = (SELECT `service_id` FROM `monitors` m WHERE m.`id` = `monitor_id`);
--> statement-breakpoint
INSERT INTO `monitor_setting_history` (`monitor_id`, `from`, `quorum`, `counts_for_availability`, `confirm`, `interval_s`, `timeout_s`, `service_id`)
  SELECT `id`, 0, `quorum`, `counts_for_availability`, `confirm`, `interval_s`, `timeout_s`, `service_id` FROM `monitors` m
  WHERE NOT EXISTS (SELECT 1 FROM `monitor_setting_history` h WHERE h.`monitor_id` = m.`id`);
