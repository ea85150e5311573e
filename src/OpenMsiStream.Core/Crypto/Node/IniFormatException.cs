using System;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>Text that Python's ConfigParser (as KafkaCrypto configures it) would refuse.</summary>
    internal sealed class IniFormatException : Exception
    {
        public IniFormatException(int lineNumber, string problem)
            : base($"line {lineNumber}: {problem}")
        {
            LineNumber = lineNumber;
        }

        public int LineNumber { get; }
    }
}
