using System.Linq;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Config
{
    /// <summary>Kafka's rules for topic names, checked before a broker round trip can fail obscurely.</summary>
    public static class TopicName
    {
        public const int MaxLength = 249;

        public static void Validate(string? topic)
        {
            if (string.IsNullOrEmpty(topic))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidTopicName, "A topic name is required.");
            }
            if (topic!.Length > MaxLength || topic == "." || topic == ".." || !topic.All(IsLegal))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidTopicName,
                    $"'{topic}' is not a valid Kafka topic name: use 1 to {MaxLength} of the characters a-z, A-Z, 0-9, '.', '_' and '-' (not '.' or '..' alone).",
                    target: topic);
            }
        }

        private static bool IsLegal(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }
}
