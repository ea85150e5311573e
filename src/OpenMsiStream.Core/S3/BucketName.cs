using System.Linq;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.S3
{
    /// <summary>S3's rules for bucket names (general purpose buckets), checked before any request.</summary>
    public static class BucketName
    {
        public static void Validate(string? bucket)
        {
            string why = Problem(bucket);
            if (why.Length > 0)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidBucketName,
                    $"'{bucket}' is not a valid S3 bucket name: {why}.", target: bucket);
            }
        }

        private static string Problem(string? bucket)
        {
            if (string.IsNullOrEmpty(bucket))
            {
                return "a bucket name is required";
            }
            if (bucket!.Length < 3 || bucket.Length > 63)
            {
                return "it must be 3 to 63 characters long";
            }
            if (!bucket.All(c => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            {
                return "use only lower-case letters, digits, '.' and '-'";
            }
            if (!char.IsLetterOrDigit(bucket[0]) || !char.IsLetterOrDigit(bucket[bucket.Length - 1]))
            {
                return "it must begin and end with a letter or digit";
            }
            if (bucket.Contains(".."))
            {
                return "it must not contain '..'";
            }
            return string.Empty;
        }
    }
}
