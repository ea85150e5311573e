using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// The ephemeral secret of each key request still waiting for an answer, by its random0. KafkaCrypto
    /// keeps only the newest request's keys, so an answer to an earlier request (a slow producer, or a
    /// second producer on the same root) fails; we keep the last <see cref="Capacity"/> of them.
    /// </summary>
    internal sealed class OutstandingRequests
    {
        public const int Capacity = 64;
        private readonly object _gate = new object();
        private readonly LinkedList<(string Random0, byte[] EphemeralSecret)> _requests = new LinkedList<(string, byte[])>();

        public void Add(byte[] random0, byte[] ephemeralSecret)
        {
            lock (_gate)
            {
                _requests.AddLast((Hex.Lower(random0), ephemeralSecret));
                while (_requests.Count > Capacity)
                {
                    _requests.RemoveFirst();
                }
            }
        }

        /// <summary>The ephemeral secret for <paramref name="random0"/>, or null when no such request is outstanding.</summary>
        public byte[]? Find(byte[] random0)
        {
            string key = Hex.Lower(random0);
            lock (_gate)
            {
                return _requests.FirstOrDefault(r => r.Random0 == key).EphemeralSecret;
            }
        }

        /// <summary>A request is answered once: its random0 cannot be replayed to us.</summary>
        public void Remove(byte[] random0)
        {
            string key = Hex.Lower(random0);
            lock (_gate)
            {
                LinkedListNode<(string Random0, byte[] EphemeralSecret)>? node = _requests.First;
                while (node != null)
                {
                    LinkedListNode<(string Random0, byte[] EphemeralSecret)>? next = node.Next;
                    if (node.Value.Random0 == key)
                    {
                        _requests.Remove(node);
                    }
                    node = next;
                }
            }
        }
    }
}
