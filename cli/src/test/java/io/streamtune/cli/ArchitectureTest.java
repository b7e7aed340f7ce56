package io.streamtune.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The walls of the architecture, checked on the compiled classes (the README and docs/DESIGN-NOTES.md
 * describe them): services meet only through topics; {@code common} knows no service; only the
 * launcher ({@code cli}) and test support start the embedded broker; every Kafka client is built by
 * {@code common.kafka}; no package cycles.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.streamtune");
    }

    @Test
    void shouldKeepServicesFromImportingEachOther() {
        noClasses()
                .that()
                .resideInAPackage("io.streamtune.trainer..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.streamtune.scoring..", "io.streamtune.monitor..")
                .because("services meet only through topics")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("io.streamtune.scoring..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.streamtune.trainer..", "io.streamtune.monitor..")
                .because("services meet only through topics")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("io.streamtune.monitor..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.streamtune.trainer..", "io.streamtune.scoring..")
                .because("services meet only through topics")
                .check(classes);
    }

    @Test
    void shouldKeepCommonFreeOfServicesAndTools() {
        noClasses()
                .that()
                .resideInAPackage("io.streamtune.common..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.streamtune.trainer..",
                        "io.streamtune.scoring..",
                        "io.streamtune.monitor..",
                        "io.streamtune.cli..",
                        "io.streamtune.broker..",
                        "io.streamtune.testing..")
                .because("common is what every service shares; it knows none of them")
                .check(classes);
    }

    @Test
    void shouldLetOnlyTheLauncherAndTestSupportStartTheEmbeddedBroker() {
        noClasses()
                .that()
                .resideOutsideOfPackages("io.streamtune.cli..", "io.streamtune.testing..", "io.streamtune.broker..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.streamtune.broker..")
                .because("broker jars never enter the service images")
                .check(classes);
    }

    @Test
    void shouldBuildEveryKafkaClientFromTheFullClientSettings() {
        noClasses()
                .that()
                .resideOutsideOfPackages(
                        "io.streamtune.common.kafka..", "io.streamtune.broker..", "io.streamtune.testing..")
                .should()
                .callConstructor(KafkaProducer.class, java.util.Properties.class)
                .orShould()
                .callConstructor(KafkaProducer.class, java.util.Map.class)
                .orShould()
                .callConstructor(KafkaConsumer.class, java.util.Properties.class)
                .orShould()
                .callConstructor(KafkaConsumer.class, java.util.Map.class)
                .orShould()
                .callMethod(Admin.class, "create", java.util.Properties.class)
                .orShould()
                .callMethod(Admin.class, "create", java.util.Map.class)
                .because(
                        "a client built from bootstrap.servers alone drops the security settings (KafkaClients builds them all)")
                .check(classes);
    }

    @Test
    void shouldHaveNoPackageCycles() {
        slices().matching("io.streamtune.(**)").should().beFreeOfCycles().check(classes);
    }
}
