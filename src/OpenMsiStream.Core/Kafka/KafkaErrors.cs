using System;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Kafka
{
    /// <summary>Turns librdkafka's error codes into errors a lab user can act on.</summary>
    internal static class KafkaErrors
    {
        /// <summary>The broker did not answer: says whether it was unreachable or refused the credentials.</summary>
        public static OpenMsiStreamException NoAnswer(KafkaSettings settings, ClientDiagnostics diagnostics, Exception? inner)
        {
            string servers = settings.BootstrapServers ?? "(none)";
            string reason = diagnostics.LastErrorReason ?? inner?.Message ?? "no answer";
            if (diagnostics.LastErrorWasAuthentication)
            {
                return Authentication(servers, settings, reason, inner);
            }
            return new OpenMsiStreamException(ErrorIds.BrokerUnreachable,
                $"Cannot reach the Kafka broker at {servers} ({settings.Source}): {reason}. " +
                "Check that the broker is running and reachable from this computer and that bootstrap.servers is right.",
                inner, servers);
        }

        /// <summary>An error the broker or client reported for a chunk, a commit or a metadata request.</summary>
        public static OpenMsiStreamException From(Error error, string context, KafkaSettings settings, ClientDiagnostics diagnostics, string? topic = null)
        {
            string servers = settings.BootstrapServers ?? "(none)";
            switch (error.Code)
            {
                case ErrorCode.Local_Authentication:
                case ErrorCode.SaslAuthenticationFailed:
                    return Authentication(servers, settings, error.Reason, null);
                case ErrorCode.TopicAuthorizationFailed:
                case ErrorCode.GroupAuthorizationFailed:
                case ErrorCode.ClusterAuthorizationFailed:
                    return new OpenMsiStreamException(ErrorIds.AuthenticationFailed,
                        $"{context}: the broker at {servers} does not allow this user to do that ({error.Reason}). Ask the cluster's administrator for access{(topic != null ? " to topic '" + topic + "'" : "")}.",
                        target: topic);
                case ErrorCode.UnknownTopicOrPart:
                case ErrorCode.Local_UnknownTopic:
                case ErrorCode.Local_UnknownPartition:
                    return new OpenMsiStreamException(ErrorIds.TopicNotFound,
                        $"{context}: topic '{topic}' does not exist on the broker at {servers}, and the broker does not create topics automatically. Create it first.",
                        target: topic);
                case ErrorCode.MsgSizeTooLarge:
                    return new OpenMsiStreamException(ErrorIds.MessageTooLarge,
                        $"{context}: the message is larger than the broker or client accepts ({error.Reason}). Use a smaller -ChunkSize, or raise message.max.bytes on the producer and the broker.",
                        target: topic);
                case ErrorCode.Local_Transport:
                case ErrorCode.Local_AllBrokersDown:
                case ErrorCode.Local_Resolve:
                case ErrorCode.Local_TimedOut:
                case ErrorCode.Local_MsgTimedOut:
                    var unreachable = NoAnswer(settings, diagnostics, new KafkaException(error));
                    return new OpenMsiStreamException(unreachable.Id, context + ": " + unreachable.Message, unreachable.InnerException, topic);
                default:
                    return new OpenMsiStreamException(ErrorIds.DeliveryFailed,
                        $"{context}: {error.Reason} ({error.Code}).", target: topic);
            }
        }

        private static OpenMsiStreamException Authentication(string servers, KafkaSettings settings, string reason, Exception? inner) =>
            new OpenMsiStreamException(ErrorIds.AuthenticationFailed,
                $"The Kafka broker at {servers} rejected the credentials ({reason}). Check sasl.username, sasl.password and sasl.mechanism in {settings.Source}.",
                inner, servers);
    }
}
