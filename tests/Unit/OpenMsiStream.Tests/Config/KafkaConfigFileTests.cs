using System;
using System.Collections.Generic;
using System.IO;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Config
{
    /// <summary>OpenMSIStream-format config files: the semantics lab configs rely on, and clear errors for the rest.</summary>
    public class KafkaConfigFileTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("config");
        private readonly Dictionary<string, string> _environment = new Dictionary<string, string>();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void SectionsAreReadWithLowerCaseKeysAndTheDefaultSectionAppliesEverywhere()
        {
            KafkaSettings settings = Load("[DEFAULT]\nclient.rack = rack-a\nlinger.ms = 5\n[broker]\nBootstrap.Servers = kafka:9092\n[producer]\nlinger.ms = 100\n");

            Assert.Equal("kafka:9092", settings.BootstrapServers);
            Assert.Equal("100", settings.Find("producer", "linger.ms")!.Value);
            Assert.Equal("rack-a", settings.Find("producer", "client.rack")!.Value);
            Assert.Equal("rack-a", settings.Find("broker", "client.rack")!.Value);
            Assert.Equal($"[producer] in '{_temp.Combine("test.config")}'", settings.Find("producer", "linger.ms")!.Origin);
        }

        [Fact]
        public void PercentSignsFollowPythonConfigParser()
        {
            KafkaSettings settings = Load("[broker]\nbootstrap.servers = h:1\nsasl.username = lab\nsasl.password = 50%%off\nsasl.oauthbearer.config = user=%(sasl.username)s\n");

            Assert.Equal("50%off", settings.Find("broker", "sasl.password")!.Value);
            Assert.Equal("user=lab", settings.Find("broker", "sasl.oauthbearer.config")!.Value);
        }

        [Fact]
        public void ALonePercentSignIsAnErrorThatSaysHowToWriteIt()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => Load("[broker]\nsasl.password = 50%off\n"));

            Assert.Equal(ErrorIds.ConfigFileInvalid, error.ErrorId);
            Assert.Equal($"Config file '{_temp.Combine("test.config")}' [broker] sasl.password: '%' must be followed by '%' or '(' (write '%%' for a literal percent sign, as Python's configparser requires).", error.Message);
        }

        [Fact]
        public void ValuesStartingWithADollarAreExpandedFromTheEnvironment()
        {
            _environment["KAFKA_HOST"] = "broker.lab";
            _environment["KAFKA_PASSWORD"] = "s3cret";
            KafkaSettings settings = Load("[broker]\nbootstrap.servers = $KAFKA_HOST:9093\nsasl.password = ${KAFKA_PASSWORD}\nsasl.username = not$EXPANDED\n");

            Assert.Equal("broker.lab:9093", settings.BootstrapServers);
            Assert.Equal("s3cret", settings.Find("broker", "sasl.password")!.Value);
            Assert.Equal("not$EXPANDED", settings.Find("broker", "sasl.username")!.Value);
        }

        [Fact]
        public void AnUnsetVariableIsAnErrorNamingTheVariableAndTheFile()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => Load("[broker]\nbootstrap.servers = $KAFKA_PROD_CLUSTER_BOOTSTRAP_SERVERS\n"));

            Assert.Equal(ErrorIds.ConfigUnsetVariable, error.ErrorId);
            Assert.Equal($"Config file '{_temp.Combine("test.config")}' [broker] bootstrap.servers: environment variable 'KAFKA_PROD_CLUSTER_BOOTSTRAP_SERVERS' is not set. Set it, or write the value into the file.", error.Message);
        }

        [Fact]
        public void AnUnknownSectionIsAnError()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => Load("[broker]\nbootstrap.servers = h:1\n[prodcuer]\nlinger.ms = 5\n"));

            Assert.Equal(ErrorIds.ConfigUnknownSection, error.ErrorId);
            Assert.Equal($"Config file '{_temp.Combine("test.config")}' has unknown section [prodcuer]. Known sections: [broker], [producer], [consumer], [heartbeat], [log], [kafkacrypto], [s3].", error.Message);
        }

        [Fact]
        public void TextThatIsNotIniIsAnError()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => Load("[broker]\nthis line has no equals sign\n"));

            Assert.Equal(ErrorIds.ConfigFileInvalid, error.ErrorId);
            Assert.StartsWith($"Config file '{_temp.Combine("test.config")}' is not a valid INI file:", error.Message);
        }

        [Fact]
        public void AMissingFileIsReportedWithWhereItWasLookedFor()
        {
            string missing = _temp.Combine("nope.config");

            var error = Assert.Throws<OpenMsiStreamException>(() => KafkaSettings.FromFile(missing, Env));

            Assert.Equal(ErrorIds.ConfigFileNotFound, error.ErrorId);
            Assert.Equal($"Config file '{missing}' was not found (looked for '{missing}').", error.Message);
        }

        [Fact]
        public void ABareNameIsLookedUpInTheOpenMsiStreamConfigDirectoryLikeOpenMsiStreamDoes()
        {
            File.WriteAllText(_temp.Combine("lab_cluster.config"), "[broker]\nbootstrap.servers = lab:9092\n");
            _environment[ConfigFileLocator.ConfigDirectoryVariable] = _temp.Path;

            KafkaSettings settings = KafkaSettings.FromFile("lab_cluster", Env);

            Assert.Equal("lab:9092", settings.BootstrapServers);
            Assert.Equal(_temp.Combine("lab_cluster.config"), settings.SourceFile);
        }

        [Fact]
        public void AnUnknownClientPropertyIsNamedWithItsSectionAndFile()
        {
            KafkaSettings settings = Load("[broker]\nbootstrap.servers = h:1\n[producer]\nlinger.msec = 5\n");

            var error = Assert.Throws<OpenMsiStreamException>(() => KafkaClientFactory.ProducerProperties(settings));

            Assert.Equal(ErrorIds.ConfigInvalidProperty, error.ErrorId);
            Assert.Equal($"[producer] in '{_temp.Combine("test.config")}': 'linger.msec' is not a Kafka client property (librdkafka: No such configuration property: \"linger.msec\").", error.Message);
        }

        [Fact]
        public void AnInvalidValueIsNamedWithItsSectionAndFile()
        {
            KafkaSettings settings = Load("[broker]\nbootstrap.servers = h:1\n[producer]\ncompression.type = zip\n");

            var error = Assert.Throws<OpenMsiStreamException>(() => KafkaClientFactory.ProducerProperties(settings));

            Assert.Equal(ErrorIds.ConfigInvalidProperty, error.ErrorId);
            Assert.StartsWith($"[producer] in '{_temp.Combine("test.config")}': 'compression.type = zip' is not a valid setting (librdkafka: ", error.Message);
        }

        [Fact]
        public void OpenMsiStreamSerializerNamesAreUnderstoodAndOthersRejected()
        {
            KafkaSettings good = Load("[broker]\nbootstrap.servers = h:1\n[producer]\nkey.serializer = StringSerializer\nvalue.serializer = DataFileChunkSerializer\n");
            Assert.Null(KafkaClientFactory.ProducerProperties(good)["value.serializer"]);

            KafkaSettings bad = Load("[broker]\nbootstrap.servers = h:1\n[producer]\nvalue.serializer = PickleSerializer\n");
            var error = Assert.Throws<OpenMsiStreamException>(() => KafkaClientFactory.ProducerProperties(bad));
            Assert.Equal($"[producer] in '{_temp.Combine("test.config")}': value.serializer = PickleSerializer is not one of OpenMSIStream's names (StringSerializer, IntegerSerializer, DoubleSerializer, DataFileChunkSerializer).", error.Message);
        }

        [Fact]
        public void ASettingsFileWithoutABrokerAddressSaysWhatToAdd()
        {
            KafkaSettings settings = Load("[producer]\nlinger.ms = 5\n");

            var error = Assert.Throws<OpenMsiStreamException>(() => KafkaClientFactory.ProducerProperties(settings));

            Assert.Equal(ErrorIds.NoBrokerSpecified, error.ErrorId);
            Assert.Equal($"config file '{_temp.Combine("test.config")}' does not say where the broker is: add 'bootstrap.servers = host:port' under [broker].", error.Message);
        }

        [Fact]
        public void TheCommandLineAddressOverridesTheFile()
        {
            KafkaSettings settings = Load("[broker]\nbootstrap.servers = far:9092\n[producer]\nlinger.ms = 5\n").WithBootstrapServers("near:9092");

            Assert.Equal("near:9092", settings.BootstrapServers);
            Assert.Equal("5", settings.Find("producer", "linger.ms")!.Value);
        }

        [Fact]
        public void ConsumersAlwaysCommitByHandWhateverTheFileSays()
        {
            KafkaSettings settings = Load("[broker]\nbootstrap.servers = h:1\n[consumer]\nenable.auto.commit = True\nauto.offset.reset = none\n");

            ClientPropertySet properties = KafkaClientFactory.ConsumerProperties(settings, "g");

            Assert.Equal("false", properties["enable.auto.commit"]);
            Assert.Null(properties["auto.offset.reset"]);
            Assert.Equal("g", properties["group.id"]);
        }

        [Fact]
        public void ThroughputDefaultsBoundMemoryAndAConfigFileCanOverrideThem()
        {
            KafkaSettings defaults = Load("[broker]\nbootstrap.servers = h:1\n");
            Assert.Equal("32768", KafkaClientFactory.ProducerProperties(defaults)["queue.buffering.max.kbytes"]);
            ClientPropertySet consumer = KafkaClientFactory.ConsumerProperties(defaults, "g");
            Assert.Equal("8388608", consumer["max.partition.fetch.bytes"]);
            Assert.Equal("10", consumer["fetch.queue.backoff.ms"]);
            Assert.Equal("2000", consumer["queued.min.messages"]);

            KafkaSettings tuned = Load("[broker]\nbootstrap.servers = h:1\n[producer]\nqueue.buffering.max.kbytes = 65536\n[consumer]\nfetch.queue.backoff.ms = 500\nmax.partition.fetch.bytes = 1048576\nqueued.min.messages = 100000\n");
            Assert.Equal("65536", KafkaClientFactory.ProducerProperties(tuned)["queue.buffering.max.kbytes"]);
            Assert.Equal("500", KafkaClientFactory.ConsumerProperties(tuned, "g")["fetch.queue.backoff.ms"]);
            Assert.Equal("1048576", KafkaClientFactory.ConsumerProperties(tuned, "g")["max.partition.fetch.bytes"]);
            Assert.Equal("100000", KafkaClientFactory.ConsumerProperties(tuned, "g")["queued.min.messages"]);
        }

        [Fact]
        public void CreateNewMeansAFreshGroupAndAFixedGroupIdIsKept()
        {
            using var memory1 = new FileReceiver(Load("[broker]\nbootstrap.servers = h:1\n[consumer]\ngroup.id = create_new\n"), new ReceiveOptions("t"));
            using var memory2 = new FileReceiver(Load("[broker]\nbootstrap.servers = h:1\n[consumer]\ngroup.id = create_new\n"), new ReceiveOptions("t"));
            using var fixedGroup = new FileReceiver(Load("[broker]\nbootstrap.servers = h:1\n[consumer]\ngroup.id = lab-archive\n"), new ReceiveOptions("t"));
            using var overridden = new FileReceiver(Load("[broker]\nbootstrap.servers = h:1\n[consumer]\ngroup.id = lab-archive\n"), new ReceiveOptions("t") { GroupId = "mine" });

            Assert.StartsWith("openmsistream-", memory1.GroupId);
            Assert.NotEqual(memory1.GroupId, memory2.GroupId);
            Assert.Equal("lab-archive", fixedGroup.GroupId);
            Assert.Equal("mine", overridden.GroupId);
        }

        [Fact]
        public void TheFileWrittenForTheLocalBrokerIsValidForBothClients()
        {
            string path = _temp.Combine("local.config");
            KafkaConfigFileWriter.WriteForBootstrap(path, "127.0.0.1:9092", "written by a test\nsecond line");

            KafkaSettings settings = KafkaSettings.FromFile(path, Env);

            Assert.Equal("127.0.0.1:9092", settings.BootstrapServers);
            KafkaClientFactory.ProducerProperties(settings);
            Assert.Equal("false", KafkaClientFactory.ConsumerProperties(settings, "g")["enable.auto.commit"]);
            Assert.StartsWith("# written by a test\n# second line\n", File.ReadAllText(path));
        }

        private string? Env(string name) => _environment.TryGetValue(name, out string? value) ? value : null;

        private KafkaSettings Load(string text)
        {
            string path = _temp.Combine("test.config");
            File.WriteAllText(path, text);
            return KafkaSettings.FromFile(path, Env);
        }
    }
}
