using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using Amazon.S3.Model;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;

namespace OpenMsiStream.S3
{
    /// <summary>
    /// Puts one received file into a bucket and proves it arrived intact without reading it back: the
    /// MD5 of every part is sent for the server to check and compared with the ETag it answers, the
    /// whole object's ETag is compared with the one expected from those MD5s, and the SHA-512 of the
    /// bytes read while uploading must be the one the file was verified with on receipt. The SHA-512
    /// is stored as object metadata (<c>x-amz-meta-sha512</c>), so an object already there with the same
    /// hash is recognised and not uploaded again.
    /// </summary>
    internal sealed class S3ObjectUploader
    {
        public const string Sha512MetadataKey = "sha512";

        /// <summary>S3's smallest part (except the last) is 5 MiB and a multipart upload has at most 10,000 parts.</summary>
        public const long MinimumPartSize = 5L * 1024 * 1024;
        private const int MaxParts = 10000;

        private readonly IAmazonS3 _client;
        private readonly string _bucket;
        private readonly long _partSize;
        private readonly RetrySchedule _retry;
        private readonly MultipartUploadJournal _journal;
        private readonly string? _endpoint;

        public S3ObjectUploader(IAmazonS3 client, string bucket, long partSize, RetrySchedule retry, MultipartUploadJournal journal, string? endpoint)
        {
            _client = client;
            _bucket = bucket;
            _partSize = partSize;
            _retry = retry;
            _journal = journal;
            _endpoint = endpoint;
        }

        public async Task<S3ObjectInfo> UploadAsync(ReceivedFile file, string key, CancellationToken cancellationToken)
        {
            S3ObjectInfo? existing = await FindSameAsync(file, key, cancellationToken).ConfigureAwait(false);
            if (existing != null)
            {
                return existing;
            }
            long partSize = PartSizeFor(file.Length);
            using Stream source = Open(file);
            return file.Length <= partSize
                ? await PutAsync(file, key, source, cancellationToken).ConfigureAwait(false)
                : await PutMultipartAsync(file, key, source, partSize, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The part size: the configured one, grown for files that would need more than 10,000 parts (S3's limit).</summary>
        public long PartSizeFor(long length)
        {
            long size = Math.Max(_partSize, MinimumPartSize);
            long needed = (length + MaxParts - 1) / MaxParts;
            if (needed > size)
            {
                const long MiB = 1024 * 1024;
                size = (needed + MiB - 1) / MiB * MiB;
            }
            return size;
        }

        private async Task<S3ObjectInfo?> FindSameAsync(ReceivedFile file, string key, CancellationToken cancellationToken)
        {
            GetObjectMetadataResponse? head = await Request($"Checking for '{key}' in bucket '{_bucket}'", async () =>
            {
                try
                {
                    return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
                {
                    return null;
                }
            }, cancellationToken).ConfigureAwait(false);
            if (head == null || head.ContentLength != file.Length || !string.Equals(head.Metadata[Sha512MetadataKey], file.Sha512, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            return new S3ObjectInfo(_bucket, key, Unquote(head.ETag), file.Length, 0, alreadyPresent: true);
        }

        private async Task<S3ObjectInfo> PutAsync(ReceivedFile file, string key, Stream source, CancellationToken cancellationToken)
        {
            byte[] content = new byte[file.Length];
            int read = ReadFull(source, content, content.Length);
            byte[] md5 = Md5(content, read);
            CheckSha512(file, Sha512(content, read));
            PutObjectResponse response = await Request($"Uploading '{key}' to bucket '{_bucket}'", () =>
            {
                var request = new PutObjectRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    InputStream = new MemoryStream(content, 0, read, writable: false),
                    AutoCloseStream = true,
                    MD5Digest = Convert.ToBase64String(md5),
                    // S3 look-alikes store aws-chunked bodies verbatim (environment.md).
                    UseChunkEncoding = false,
                    ContentType = "application/octet-stream",
                };
                request.Metadata[Sha512MetadataKey] = file.Sha512;
                return _client.PutObjectAsync(request, cancellationToken);
            }, cancellationToken).ConfigureAwait(false);
            string expected = Hex.Lower(md5);
            CheckEtag(key, Unquote(response.ETag), expected, "object");
            return new S3ObjectInfo(_bucket, key, expected, file.Length, 1, alreadyPresent: false);
        }

        private async Task<S3ObjectInfo> PutMultipartAsync(ReceivedFile file, string key, Stream source, long partSize, CancellationToken cancellationToken)
        {
            MultipartUploadJournal.Entry upload = await ContinueOrStartAsync(file, key, partSize, cancellationToken).ConfigureAwait(false);
            try
            {
                return await SendPartsAsync(file, key, source, partSize, upload, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !S3Errors.IsRetriable(ex))
            {
                // Nothing will continue this upload (the file changed, access was refused): free its parts.
                await AbortQuietlyAsync(upload).ConfigureAwait(false);
                throw;
            }
        }

        private async Task AbortQuietlyAsync(MultipartUploadJournal.Entry upload)
        {
            _journal.Forget(upload.Bucket, upload.Key, upload.Sha512);
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = upload.Bucket, Key = upload.Key, UploadId = upload.UploadId }).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // Best effort: a bucket lifecycle rule removes incomplete uploads that remain.
            }
        }

        private async Task<S3ObjectInfo> SendPartsAsync(ReceivedFile file, string key, Stream source, long partSize, MultipartUploadJournal.Entry upload,
            CancellationToken cancellationToken)
        {
            var sentBefore = upload.Parts.ToDictionary(p => p.Number);
            var parts = new List<PartETag>();
            var partMd5s = new List<byte[]>();
            byte[] buffer = new byte[partSize];
            using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            using var wholeMd5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long remaining = file.Length;
            for (int number = 1; remaining > 0; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int length = (int)Math.Min(partSize, remaining);
                int read = ReadFull(source, buffer, length);
                if (read != length)
                {
                    throw Changed(file, "it is shorter than when it was received");
                }
                remaining -= read;
                sha512.AppendData(buffer, 0, read);
                wholeMd5.AppendData(buffer, 0, read);
                byte[] md5 = Md5(buffer, read);
                string expected = Hex.Lower(md5);
                partMd5s.Add(md5);
                if (sentBefore.TryGetValue(number, out MultipartUploadJournal.Part? have) && have.Size == read && have.Md5 == expected)
                {
                    parts.Add(new PartETag(number, have.ETag));
                    continue; // sent by an earlier attempt, and acknowledged with this MD5
                }
                int partNumber = number;
                UploadPartResponse response = await Request($"Uploading part {partNumber} of '{key}' to bucket '{_bucket}'", () => _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = partNumber,
                    PartSize = read,
                    InputStream = new MemoryStream(buffer, 0, read, writable: false),
                    MD5Digest = Convert.ToBase64String(md5),
                    UseChunkEncoding = false,
                }, cancellationToken), cancellationToken).ConfigureAwait(false);
                CheckEtag(key, Unquote(response.ETag), expected, $"part {partNumber}");
                parts.Add(new PartETag(partNumber, response.ETag));
                upload.Parts.RemoveAll(p => p.Number == partNumber);
                upload.Parts.Add(new MultipartUploadJournal.Part { Number = partNumber, Size = read, Md5 = expected, ETag = response.ETag });
                _journal.Record(upload);
            }
            CheckSha512(file, Hex.Lower(sha512.GetHashAndReset()));
            CompleteMultipartUploadResponse completed = await Request($"Completing the upload of '{key}' to bucket '{_bucket}'", () => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartETags = parts,
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
            _journal.Forget(_bucket, key, file.Sha512);
            // S3 (and MinIO, Ceph) answer the MD5 of the parts' MD5s; some look-alikes (s3rver) the MD5 of
            // the whole object. Either proves the object is the bytes sent.
            string etag = Unquote(completed.ETag);
            string whole = Hex.Lower(wholeMd5.GetHashAndReset());
            CheckEtag(key, etag, etag.Equals(whole, StringComparison.OrdinalIgnoreCase) ? whole : MultipartEtag(partMd5s), "object");
            return new S3ObjectInfo(_bucket, key, etag, file.Length, parts.Count, alreadyPresent: false);
        }

        /// <summary>The multipart upload an earlier attempt at this file began, if the server still has it; otherwise a new one.</summary>
        private async Task<MultipartUploadJournal.Entry> ContinueOrStartAsync(ReceivedFile file, string key, long partSize, CancellationToken cancellationToken)
        {
            MultipartUploadJournal.Entry? earlier = _journal.Find(_bucket, key, file.Sha512, partSize);
            if (earlier != null)
            {
                return earlier;
            }
            InitiateMultipartUploadResponse initiated = await Request($"Starting the upload of '{key}' to bucket '{_bucket}'", () =>
            {
                var request = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = "application/octet-stream" };
                request.Metadata[Sha512MetadataKey] = file.Sha512;
                return _client.InitiateMultipartUploadAsync(request, cancellationToken);
            }, cancellationToken).ConfigureAwait(false);
            var entry = new MultipartUploadJournal.Entry { Bucket = _bucket, Key = key, Sha512 = file.Sha512, UploadId = initiated.UploadId, PartSize = partSize };
            _journal.Record(entry);
            return entry;
        }

        private Task<T> Request<T>(string doing, Func<Task<T>> request, CancellationToken cancellationToken) =>
            WrapAsync(doing, () => _retry.RunAsync(doing, request, S3Errors.IsRetriable, cancellationToken));

        private async Task<T> WrapAsync<T>(string doing, Func<Task<T>> request)
        {
            try
            {
                return await request().ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is OpenMsiStreamException))
            {
                throw S3Errors.From(ex, doing, _bucket, _endpoint);
            }
        }

        private void CheckEtag(string key, string actual, string expected, string what)
        {
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new OpenMsiStreamException(ErrorIds.S3IntegrityMismatch,
                    $"Bucket '{_bucket}' reports ETag {actual} for {what} of '{key}', but the bytes sent have {expected}: the data did not arrive intact.", target: key);
            }
        }

        private static void CheckSha512(ReceivedFile file, string actual)
        {
            if (!string.Equals(actual, file.Sha512, StringComparison.OrdinalIgnoreCase))
            {
                throw Changed(file, "its SHA-512 differs from the one it was received with");
            }
        }

        private static OpenMsiStreamException Changed(ReceivedFile file, string why) =>
            new OpenMsiStreamException(ErrorIds.FileChangedDuringSend,
                $"'{file.FullName ?? file.RelativePath}' changed after it was received ({why}); it was not stored.", target: file.RelativePath);

        /// <summary>S3's ETag of a multipart object: the MD5 of the parts' MD5s, a dash and the number of parts.</summary>
        public static string MultipartEtag(IReadOnlyList<byte[]> partMd5s)
        {
            using var md5 = MD5.Create();
            byte[] all = partMd5s.SelectMany(p => p).ToArray();
            return Hex.Lower(md5.ComputeHash(all)) + "-" + partMd5s.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        private static Stream Open(ReceivedFile file) => file.Bytes != null
            ? new MemoryStream(file.Bytes, writable: false)
            : new FileStream(file.FullName!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

        private static int ReadFull(Stream source, byte[] buffer, int count)
        {
            int total = 0;
            int read;
            while (total < count && (read = source.Read(buffer, total, count - total)) > 0)
            {
                total += read;
            }
            return total;
        }

        private static byte[] Md5(byte[] buffer, int count)
        {
            using var md5 = MD5.Create();
            return md5.ComputeHash(buffer, 0, count);
        }

        private static string Sha512(byte[] buffer, int count)
        {
            using var sha = SHA512.Create();
            return Hex.Lower(sha.ComputeHash(buffer, 0, count));
        }

        private static string Unquote(string? etag) => (etag ?? string.Empty).Trim('"');
    }

    /// <summary>An object in a bucket, as a transfer left it.</summary>
    public sealed class S3ObjectInfo
    {
        public S3ObjectInfo(string bucket, string key, string etag, long length, int parts, bool alreadyPresent)
        {
            Bucket = bucket;
            Key = key;
            ETag = etag;
            Length = length;
            Parts = parts;
            AlreadyPresent = alreadyPresent;
        }

        public string Bucket { get; }

        public string Key { get; }

        public string ETag { get; }

        public long Length { get; }

        /// <summary>Requests the content took (1 for a single PUT); 0 when the object was already there.</summary>
        public int Parts { get; }

        /// <summary>The object was there already with the same SHA-512, so nothing was sent.</summary>
        public bool AlreadyPresent { get; }

        public string Uri => $"s3://{Bucket}/{Key}";
    }
}
