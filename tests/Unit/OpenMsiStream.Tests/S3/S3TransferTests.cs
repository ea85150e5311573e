using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Processing;
using OpenMsiStream.S3;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;

namespace OpenMsiStream.Tests.S3
{
    /// <summary>Transfers to a real S3-protocol server (s3rver) from the embedded broker.</summary>
    public class S3TransferTests : IDisposable
    {
        private const string Topic = "lab-data";
        private const string Bucket = "openmsistream-test";
        private const long PartSize = 6L * 1024 * 1024;
        private readonly TempDirectory _temp = new TempDirectory("s3");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(4, Topic);
        private readonly S3Server _s3 = new S3Server(Bucket);

        public void Dispose()
        {
            _s3.Dispose();
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task EmptySmallAndMultipartFilesArriveByteIdenticalWithTheirSha512()
        {
            var files = new Dictionary<string, byte[]>
            {
                ["empty.dat"] = Array.Empty<byte>(),
                ["sub dir/small;1 ü.csv"] = TestData.Bytes(10_000, seed: 1),
                ["big/multi.raw"] = TestData.Bytes((int)(2 * PartSize) + 123_457, seed: 2),
            };
            using var running = new RunningTransfer(this, Options(count: 3));
            running.WaitUntilAssigned();
            // The embedded broker keeps 5 MiB per partition and its consumer's first fetch comes about a
            // second after the assignment: sent at 2 MiB/s (a second's burst, then steady), nothing is dropped.
            await Send(files, maxBytesPerSecond: 2L * 1024 * 1024);
            running.WaitForEnd();

            Assert.Equal(files.Keys.OrderBy(k => k, StringComparer.Ordinal), running.Recorder.Results.Select(r => r.RelativePath + (r.ErrorMessage ?? "")).OrderBy(k => k, StringComparer.Ordinal));
            Assert.Empty(running.Recorder.Errors);
            using IAmazonS3 client = Client();
            foreach ((string name, byte[] content) in files)
            {
                S3TransferResult result = running.Result(name);
                Assert.Equal(S3TransferStatus.Uploaded, result.Status);
                Assert.Equal($"{Topic}/{name}", result.Key);
                using GetObjectResponse stored = await client.GetObjectAsync(Bucket, $"{Topic}/{name}");
                Assert.Equal(content, ReadAll(stored.ResponseStream));
                Assert.Equal(TestData.Sha512Hex(content), stored.Metadata["sha512"]);
            }
            Assert.Equal(3, running.Result("big/multi.raw").Parts);
            Assert.Equal(Md5Hex(files["big/multi.raw"]), running.Result("big/multi.raw").ETag); // s3rver's form of a multipart ETag
            Assert.Equal(1, running.Result("empty.dat").Parts);
            Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", running.Result("empty.dat").ETag);
            Assert.DoesNotContain(Directory.GetFiles(Path.Combine(running.Transfer.StateDirectory, "work"), "*", SearchOption.AllDirectories),
                f => !f.Contains(Path.DirectorySeparatorChar + ".openmsistream" + Path.DirectorySeparatorChar)); // uploaded files leave the work folder
        }

        [Fact]
        public async Task AnObjectAlreadyThereWithTheSameHashIsNotSentAgain()
        {
            await Send(new Dictionary<string, byte[]> { ["a.csv"] = TestData.Bytes(3000, seed: 3) });
            using (var first = new RunningTransfer(this, Options(count: 1, group: "first")))
            {
                first.WaitForEnd();
                Assert.Equal(S3TransferStatus.Uploaded, first.Result("a.csv").Status);
            }

            using var second = new RunningTransfer(this, Options(count: 1, group: "second"));
            second.WaitForEnd();

            S3TransferResult again = second.Result("a.csv");
            Assert.Equal(S3TransferStatus.AlreadyPresent, again.Status);
            Assert.Equal(0, again.Parts);
        }

        [Fact]
        public async Task AnOutageMidRunIsRetriedAndNothingIsRecordedDoneBeforeTheObjectIsStored()
        {
            var options = Options();
            options.Retry = new RetrySchedule(new[] { TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100) });
            options.RetryFailedAfter = TimeSpan.FromSeconds(1);
            using var running = new RunningTransfer(this, options);
            running.WaitUntilAssigned();
            byte[] before = TestData.Bytes(4000, seed: 4), during = TestData.Bytes(5000, seed: 5);
            await Send(new Dictionary<string, byte[]> { ["before.dat"] = before });
            running.WaitFor(r => r.RelativePath == "before.dat");

            _s3.Stop();
            await Send(new Dictionary<string, byte[]> { ["during.dat"] = during });
            S3TransferResult failed = running.WaitFor(r => r.RelativePath == "during.dat");
            Assert.Equal(S3TransferStatus.Failed, failed.Status);
            var error = Assert.IsType<OpenMsiStreamException>(failed.Error);
            Assert.Equal(ErrorIds.S3TransferFailed, error.ErrorId);
            Assert.StartsWith($"Checking for '{Topic}/during.dat' in bucket '{Bucket}' failed at {_s3.Endpoint}: ", error.Message);
            ProcessingRecord record = running.Transfer.Processor.Records().Single(r => r.RelativePath == "during.dat");
            Assert.Equal(ProcessingStatus.Failed, record.Status);

            _s3.Start();
            S3TransferResult retried = running.WaitFor(r => r.RelativePath == "during.dat" && r.Status != S3TransferStatus.Failed);
            running.Stop();

            Assert.Equal(S3TransferStatus.Uploaded, retried.Status);
            Assert.True(retried.Attempt >= 2);
            using IAmazonS3 client = Client();
            using GetObjectResponse stored = await client.GetObjectAsync(Bucket, $"{Topic}/during.dat");
            Assert.Equal(during, ReadAll(stored.ResponseStream));
            Assert.All(running.Transfer.Processor.Records(), r => Assert.Equal(ProcessingStatus.Processed, r.Status));
        }

        [Fact]
        public async Task AnInterruptedMultipartUploadContinuesWithoutSendingItsPartsAgain()
        {
            byte[] content = TestData.Bytes((int)(3 * PartSize) + 1000, seed: 6);
            string path = _temp.WriteFile("big.raw", content);
            var file = new ReceivedFile("big.raw", path, null, content.Length, 1, TestData.Sha512Hex(content), Topic, 0, null);
            using var client = new FailingClient(failOnPartCall: 3, _s3.Endpoint);
            var uploader = new S3ObjectUploader(client, Bucket, PartSize, new RetrySchedule(Array.Empty<TimeSpan>()), new MultipartUploadJournal(_temp.Combine("state")), _s3.Endpoint);

            var failure = await Assert.ThrowsAsync<OpenMsiStreamException>(() => uploader.UploadAsync(file, "lab-data/big.raw", default));
            Assert.Equal(ErrorIds.S3TransferFailed, failure.ErrorId);
            Assert.Equal(3, client.PartCalls);

            S3ObjectInfo stored = await uploader.UploadAsync(file, "lab-data/big.raw", default);

            Assert.Equal(new[] { 1, 2, 3, 3, 4 }, client.PartNumbers);
            Assert.Equal(4, stored.Parts);
            Assert.Equal(Md5Hex(content), stored.ETag);
            using GetObjectResponse response = await client.GetObjectAsync(Bucket, "lab-data/big.raw");
            Assert.Equal(content, ReadAll(response.ResponseStream));
            Assert.Empty(Directory.GetFiles(_temp.Combine("state", "s3-uploads")));
        }

        [Fact]
        public async Task AFileThatChangedOnDiskAfterItWasReceivedIsNotStored()
        {
            byte[] content = TestData.Bytes(2 * (int)PartSize, seed: 7);
            string path = _temp.WriteFile("changed.raw", content);
            var file = new ReceivedFile("changed.raw", path, null, content.Length, 1, TestData.Sha512Hex(content), Topic, 0, null);
            content[content.Length - 1] ^= 0xFF;
            File.WriteAllBytes(path, content);
            using IAmazonS3 client = Client();
            var uploader = new S3ObjectUploader(client, Bucket, PartSize, RetrySchedule.Default, new MultipartUploadJournal(_temp.Combine("state")), _s3.Endpoint);

            var error = await Assert.ThrowsAsync<OpenMsiStreamException>(() => uploader.UploadAsync(file, "lab-data/changed.raw", default));

            Assert.Equal(ErrorIds.FileChangedDuringSend, error.ErrorId);
            Assert.Equal($"'{path}' changed after it was received (its SHA-512 differs from the one it was received with); it was not stored.", error.Message);
            var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.GetObjectMetadataAsync(Bucket, "lab-data/changed.raw"));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        }

        [Fact]
        public void WrongCredentialsAndAMissingBucketStopTheTransferAtTheStartWithClearErrors()
        {
            S3Settings unknownKey = Settings();
            unknownKey.AccessKeyId = "NOT-A-KEY";
            var denied = Assert.Throws<OpenMsiStreamException>(() => RunOnce(unknownKey, new S3TransferOptions(Topic, Bucket) { StateDirectory = _temp.Combine("denied"), IdleTimeout = TimeSpan.FromSeconds(5) }));
            Assert.Equal(ErrorIds.S3AccessDenied, denied.ErrorId);
            Assert.StartsWith($"Checking bucket '{Bucket}' failed: access to bucket '{Bucket}' at {_s3.Endpoint} was denied (InvalidAccessKeyId: ", denied.Message);

            var missing = Assert.Throws<OpenMsiStreamException>(() => RunOnce(Settings(), new S3TransferOptions(Topic, "no-such-bucket") { StateDirectory = _temp.Combine("missing"), IdleTimeout = TimeSpan.FromSeconds(5) }));
            Assert.Equal(ErrorIds.S3BucketNotFound, missing.ErrorId);
            Assert.Equal($"Checking bucket 'no-such-bucket' failed: bucket 'no-such-bucket' does not exist at {_s3.Endpoint}. Create it first; this program does not create buckets.", missing.Message);
        }

        [Fact]
        public void TheS3SectionOfAnOpenMsiStreamConfigIsReadAndTyposAreRejected()
        {
            string config = _temp.Combine("s3.config");
            File.WriteAllText(config, "[broker]\nbootstrap.servers = localhost:9092\n[s3]\naccess_key_id = AKIA1\nsecret_key_id = $S3_SECRET\nendpoint_url = minio.lab.example:9000\nregion = eu-west-1\n");
            S3Settings read = S3Settings.From(KafkaSettings.FromFile(config, name => name == "S3_SECRET" ? "s3cr3t" : null));
            Assert.Equal("AKIA1", read.AccessKeyId);
            Assert.Equal("s3cr3t", read.SecretAccessKey);
            Assert.Equal("https://minio.lab.example:9000", read.EndpointUri());
            Assert.Equal("eu-west-1", read.Region);

            File.WriteAllText(config, "[broker]\nbootstrap.servers = localhost:9092\n[s3]\nacess_key_id = AKIA1\n");
            var typo = Assert.Throws<OpenMsiStreamException>(() => S3Settings.From(KafkaSettings.FromFile(config)));
            Assert.Equal(ErrorIds.ConfigInvalidProperty, typo.ErrorId);
            Assert.StartsWith("Unknown key 'acess_key_id' in [s3]", typo.Message);
        }

        [Theory]
        [InlineData("ab", "it must be 3 to 63 characters long")]
        [InlineData("Lab_Data", "use only lower-case letters, digits, '.' and '-'")]
        [InlineData("lab data", "use only lower-case letters, digits, '.' and '-'")]
        [InlineData("-lab", "it must begin and end with a letter or digit")]
        public void BucketNamesAreCheckedBeforeAnyRequest(string bucket, string why)
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => BucketName.Validate(bucket));
            Assert.Equal(ErrorIds.InvalidBucketName, error.ErrorId);
            Assert.Equal($"'{bucket}' is not a valid S3 bucket name: {why}.", error.Message);
        }

        private S3Settings Settings() => new S3Settings { AccessKeyId = S3Server.AccessKeyId, SecretAccessKey = S3Server.SecretAccessKey, EndpointUrl = _s3.Endpoint, Region = "us-east-1" };

        private KafkaSettings Kafka() => KafkaSettings.FromFile(_s3.WriteConfig(_temp.Combine("transfer.config"), _broker.Broker.BootstrapServers));

        private S3TransferOptions Options(int? count = null, string group = "s3") => new S3TransferOptions(Topic, Bucket)
        {
            GroupId = group,
            StateDirectory = _temp.Combine("state-" + group),
            PartSize = PartSize,
            Count = count,
            IdleTimeout = TimeSpan.FromSeconds(60),
        };

        private void RunOnce(S3Settings s3, S3TransferOptions options)
        {
            using var transfer = new S3Transfer(Kafka(), s3, options);
            transfer.Run(new ProcessingRecorder(), default);
        }

        private IAmazonS3 Client() => new AmazonS3Client(new BasicAWSCredentials(S3Server.AccessKeyId, S3Server.SecretAccessKey),
            new AmazonS3Config { ServiceURL = _s3.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

        private async Task Send(Dictionary<string, byte[]> files, long? maxBytesPerSecond = null)
        {
            string source = _temp.Combine("source-" + Guid.NewGuid().ToString("N"));
            foreach ((string name, byte[] content) in files)
            {
                _temp.WriteFile(Path.Combine(Path.GetFileName(source), name), content);
            }
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 256 * 1024, MaxBytesPerSecond = maxBytesPerSecond });
            sender.Connect(default);
            await Task.WhenAll(files.Keys.Select(name => sender.SendAsync(FileToSend.Create(Path.Combine(source, name), source), null, default)));
        }

        private static string Md5Hex(byte[] content) => Hex.Lower(System.Security.Cryptography.MD5.HashData(content));

        private static byte[] ReadAll(Stream stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        /// <summary>A transfer running on its own thread, with its results as they come.</summary>
        private sealed class RunningTransfer : IDisposable
        {
            private readonly CancellationTokenSource _stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            private readonly ManualResetEventSlim _assigned = new ManualResetEventSlim();
            private readonly Task _run;

            public RunningTransfer(S3TransferTests test, S3TransferOptions options)
            {
                var diagnostics = new ClientDiagnostics();
                diagnostics.Message += m =>
                {
                    Recorder.Verbose("DIAG " + m);
                    if (m.Text.StartsWith("Assigned partitions", StringComparison.Ordinal))
                    {
                        _assigned.Set();
                    }
                };
                Transfer = new S3Transfer(test.Kafka(), test.Settings(), options, diagnostics);
                _run = Task.Run(() => Transfer.Run(Recorder, _stop.Token));
            }

            public S3Transfer Transfer { get; }

            public ProcessingRecorder Recorder { get; } = new ProcessingRecorder();

            public S3TransferResult Result(string relativePath) => S3TransferResult.From(Recorder.Single(relativePath), Bucket);

            public void WaitUntilAssigned() => Assert.True(_assigned.Wait(TimeSpan.FromSeconds(30)), "partitions were assigned");

            public S3TransferResult WaitFor(Func<S3TransferResult, bool> condition)
            {
                DateTime deadline = DateTime.UtcNow.AddSeconds(60);
                while (DateTime.UtcNow < deadline)
                {
                    S3TransferResult? found = Recorder.Results.Select(r => S3TransferResult.From(r, Bucket)).LastOrDefault(condition);
                    if (found != null)
                    {
                        return found;
                    }
                    Assert.False(_run.IsCompleted, "the transfer stopped early: " + _run.Exception?.InnerException?.Message);
                    Thread.Sleep(50);
                }
                throw new TimeoutException("The expected transfer result did not come.");
            }

            public void WaitForEnd()
            {
                _run.GetAwaiter().GetResult();
                Assert.False(_stop.IsCancellationRequested, "the transfer ended by itself");
            }

            public void Stop()
            {
                _stop.Cancel();
                _run.GetAwaiter().GetResult();
            }

            public void Dispose()
            {
                _stop.Cancel();
                try
                {
                    _run.Wait();
                }
                catch (AggregateException)
                {
                }
                Transfer.Dispose();
                _stop.Dispose();
            }
        }

        /// <summary>The real client against the real server, with one network failure injected on the n-th part upload.</summary>
        private sealed class FailingClient : AmazonS3Client
        {
            private readonly int _failOnPartCall;

            public FailingClient(int failOnPartCall, string endpoint)
                : base(new BasicAWSCredentials(S3Server.AccessKeyId, S3Server.SecretAccessKey),
                    new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1", RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED, ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED })
            {
                _failOnPartCall = failOnPartCall;
            }

            public int PartCalls => PartNumbers.Count;

            public List<int> PartNumbers { get; } = new List<int>();

            public override Task<UploadPartResponse> UploadPartAsync(UploadPartRequest request, CancellationToken cancellationToken = default)
            {
                PartNumbers.Add(request.PartNumber ?? 0);
                if (PartNumbers.Count == _failOnPartCall)
                {
                    throw new HttpRequestException("injected network failure");
                }
                return base.UploadPartAsync(request, cancellationToken);
            }
        }
    }
}
