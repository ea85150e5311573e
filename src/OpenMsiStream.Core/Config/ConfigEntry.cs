namespace OpenMsiStream.Config
{
    /// <summary>One client property and where it came from, so errors can point at the right line.</summary>
    public sealed class ConfigEntry
    {
        public ConfigEntry(string key, string value, string origin)
        {
            Key = key;
            Value = value;
            Origin = origin;
        }

        public string Key { get; }

        public string Value { get; }

        /// <summary>For example <c>[producer] in 'lab.config'</c> or <c>-BootstrapServers</c>.</summary>
        public string Origin { get; }
    }
}
