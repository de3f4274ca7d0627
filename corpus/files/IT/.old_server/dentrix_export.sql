-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: pm
-- ------------------------------------------------------
/*!40101 SET NAMES utf8mb4 */;

DROP TABLE IF EXISTS `patients`;
CREATE TABLE `patients` (
  `id` int NOT NULL AUTO_INCREMENT,
  `chart_no` varchar(64) DEFAULT NULL,
  `patient_name` varchar(64) DEFAULT NULL,
  `dob` varchar(64) DEFAULT NULL,
  `mobile` varchar(64) DEFAULT NULL,
  `member_id` varchar(64) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `patients` WRITE;
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1000,'BS83412','Rodríguez, Brandon','10-May-14',NULL,'GD57161602');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1001,'BS32112','Van der Berg, Matthew','19-Mar-09',NULL,'ML0617295099');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1002,'BSD92179','Scott, Jason','17-Jun-94',NULL,'GD30005659');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1003,'BSD82583','Côté, Inés','19-Mar-93','510-555-4105','DDO698466306');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1004,'BS54396','Bell, Hadley','18-Oct-74',NULL,'ML9882063209');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1005,'BSD34743','Schmidt, Andrew','18-Mar-79','619-706-5233','GD03342733');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1006,'BS39146','Okafor, Gary','2-Feb-86','971-413-5271','ML2262016079');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1007,'BSD30850','Walker, Gloria','22-Aug-12','214-663-5040','GD97903088');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1008,'BSD11108','Tran, Janet','27-Jul-92','408-476-8090','ML5225677367');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1009,'BS20156','James, Valentina','14-Apr-32',NULL,'GD29340245');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1010,'BSD63449','Ward, Beatriz','13-Nov-32',NULL,'ML8653417590');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1011,'BS53240','Lefèvre, Lisa','4-Jan-65','919-912-6730','DDO082022169');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1012,'BSD49050','Petrov, Dorothy','7-Nov-69',NULL,'GD91945251');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1013,'BS95584','O''Brien, Silas','4-May-03','503-523-9633','ML5928827438');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1014,'BSD37430','Campbell, Megan','11-Jan-67','617-947-0031','ML3112617848');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1015,'BSD32044','Okafor, Emily','4-Dec-78','312-247-8557','ML0111221306');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1016,'BS86251','Morales, Ji-woo','20-Feb-85','720-555-2628','ML7942093299');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1017,'BSD37780','Scott, Silas','25-Dec-78',NULL,'DDO810367606');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1018,'BS58966','Ramos, Tyrone','7-May-87',NULL,'DDO627150478');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1019,'BSD82878','Ross, Mary','8-Aug-49','305-555-6564','ML6536304192');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1020,'BSD64283','Lefebvre, Guadalupe','30-Oct-69',NULL,'ML3448035270');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1021,'BSD35813','Ramos, Ingrid','19-Sep-86','206-298-7437','ML7290772531');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1022,'BS95056','Brown, Karen','9-Jan-94','925-531-2130','DDO471425107');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1023,'BSD42506','Patterson, Elijah','12-Apr-62',NULL,'DDO401869705');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1024,'BS21044','Fisher, Ana','11-Dec-89','305-936-8642','ML4814600683');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1025,'BS42123','Schneider, Ji-woo','11-Nov-97','415-631-2324','DDO355998814');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1026,'BS35785','Liu, Beatriz','27-Feb-36',NULL,'ML5010329223');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1027,'BS53243','Abebe, Brooke','6-Feb-96','773-502-2176','ML5007125371');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1028,'BS43654','Hughes, Mia','15-Nov-81',NULL,'GD38008266');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1029,'BS69312','Ortiz, Sun-Hee','29-Jan-62',NULL,'GD70711992');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1030,'BS71358','Tanaka, Kayla','3-Aug-98',NULL,'ML9048565297');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1031,'BSD11168','Carter, Ava','20-Jul-03',NULL,'DDO920184761');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1032,'BSD69647','Le, Latoya','18-Sep-35','303-492-6481','GD29339858');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1033,'BSD20710','Vasquez, Joseph','2-May-72','253-555-6747','GD15342218');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1034,'BSD46836','Ramirez, Deborah','30-Aug-45',NULL,'GD00416991');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1035,'BS63239','Foster, Valentina','10-Jun-46','458-461-3537','ML2240099598');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1036,'BSD54457','Gonzalez, George','2-Feb-53','206-356-7080','ML9131071095');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1037,'BS99089','Larsen, Nancy','10-May-47',NULL,'GD05057183');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1038,'BS87860','Weber, DeShawn','17-Apr-33',NULL,'DDO686187171');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1039,'BS52688','Olsen, William','21-Apr-82',NULL,'GD96547102');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1040,'BS16086','Friedman, Imani','21-Jul-09',NULL,'DDO547017045');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1041,'BS81080','Okafor, Ashley','5-Mar-80',NULL,'ML3785159569');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1042,'BSD39430','Fisher, Willow','11-Nov-94','720-492-1064','ML6854717952');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1043,'BSD89430','Peña, Miguel','23-Nov-03',NULL,'DDO570045067');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1044,'BS64766','Sato, Brooke','16-Mar-40','408-534-1666','ML0472179814');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1045,'BS69677','Jordan, Janet','23-Mar-92','510-485-4597','ML8024097076');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1046,'BS88984','MacDonald, Gary','9-Mar-54','509-710-3780','ML1902179323');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1047,'BSD65618','Collins, Brooke','3-Jan-10','520-987-7542','ML0138368782');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1048,'BS37867','Schmidt, Megan','1-Mar-36','702-304-1127','ML8560457541');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1049,'BS67121','Ordóñez, Michael','3-Apr-43',NULL,'ML7481434774');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1050,'BSD44467','Hassan, Linh','15-May-69','253-542-5752','ML2520516321');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1051,'BSD18850','Côté, Mark','20-Jul-13','253-580-2464','GD54285485');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1052,'BS68486','Van der Berg, Brandon','25-Apr-78','415-508-6416','DDO959297741');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1053,'BS51384','Kelly, Wei','2-May-34','206-672-6451','ML6318606676');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1054,'BSD81123','Simmons, Joshua','15-Apr-70',NULL,'ML1243991866');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1055,'BSD98460','Gupta, Thi','2-Feb-03',NULL,'DDO015067631');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1056,'BS12057','Ali, Keanu','28-Mar-11','775-368-9221','ML7912392414');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1057,'BS87917','James, Owen','4-Apr-45','360-439-3735','GD54930627');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1058,'BS95421','Ivanov, Thi','16-Oct-32',NULL,'GD60088883');
INSERT INTO `patients` (`id`, `chart_no`, `patient_name`, `dob`, `mobile`, `member_id`) VALUES (1059,'BS98907','Morgan, Wei','10-Jan-56',NULL,'DDO837006363');
UNLOCK TABLES;

CREATE TABLE `appointments` (
  `appt_id` bigint NOT NULL,
  `order_no` int,
  `appt_date` date,
  `amount` decimal(8,2),
  PRIMARY KEY (`appt_id`)
);
INSERT INTO `appointments` VALUES (678772313,160490729,'2021-07-14',395.13),(604572455,260194124,'2020-09-04',131.53),(140615532,437975391,'2022-08-11',132.86),(658638368,595093861,'2024-03-21',377.32),(352511419,786731450,'2020-01-29',363.44),(618670916,802551052,'2020-07-30',215.42),(698971908,275156236,'2021-01-07',236.25),(198352618,468277175,'2019-05-09',267.52),(859515586,741146456,'2022-04-01',261.93),(225490892,815926361,'2021-06-29',82.40),(521598865,354705077,'2021-09-08',247.08),(206148803,195860225,'2022-06-09',145.10),(404339278,503135694,'2021-05-10',39.23),(432981551,254890590,'2021-01-11',381.25),(571639859,444728039,'2024-12-25',234.24),(290900458,437339831,'2020-03-20',253.94),(482753373,161309369,'2025-02-27',338.71),(250467163,405278600,'2019-01-28',197.45),(528279883,747271876,'2020-02-27',107.93),(334223406,357065483,'2023-05-15',337.29),(315773613,441261630,'2021-06-25',85.12),(880500567,290526925,'2020-03-04',363.29),(347707253,176708484,'2021-07-14',75.37),(114747130,538145018,'2024-01-01',135.51),(479922568,148758582,'2020-06-29',189.51),(674180965,599862622,'2021-11-01',279.67),(641798948,185329690,'2019-07-10',89.38),(486087386,520147660,'2022-05-19',309.42),(628253158,156657075,'2019-06-06',294.16),(789578639,474981538,'2021-09-16',226.99),(285238724,258365631,'2023-08-09',326.82),(825629451,662441722,'2022-09-23',170.95),(463706404,648625997,'2023-05-25',322.27),(438782692,401227659,'2021-06-08',91.27),(631904057,176061280,'2020-03-11',105.81),(525361589,331359221,'2024-11-06',157.96),(723725977,658161552,'2023-03-29',130.08),(442687567,838698521,'2022-02-25',312.81),(324418116,410933928,'2020-04-09',182.57),(464445577,789999775,'2022-10-24',377.04);
-- Dump completed on 2024-03-02  2:00:01
