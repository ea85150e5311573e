using System.Collections.Generic;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>One <c>key : value</c> entry of an INI section and the lines it occupies.</summary>
    internal sealed class IniOption
    {
        public IniOption(string key, string value, int firstLine, int lastLine)
        {
            Key = key;
            Value = value;
            FirstLine = firstLine;
            LastLine = lastLine;
        }

        /// <summary>The key exactly as written (KafkaCrypto's keys are case-sensitive on disk).</summary>
        public string Key { get; }

        /// <summary>The stripped value; continuation lines are joined with a newline, as ConfigParser does.</summary>
        public string Value { get; }

        public int FirstLine { get; }

        public int LastLine { get; }
    }

    /// <summary>One <c>[section]</c> of an INI file: its header line and its own options, in file order.</summary>
    internal sealed class IniSection
    {
        public IniSection(string name, int headerLine)
        {
            Name = name;
            HeaderLine = headerLine;
            LastContentLine = headerLine;
        }

        public string Name { get; }

        public int HeaderLine { get; }

        /// <summary>The last header or option line of the section, after which a new option goes.</summary>
        public int LastContentLine { get; set; }

        public List<IniOption> Options { get; } = new List<IniOption>();
    }
}
