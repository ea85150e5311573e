namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// Typed reads of a node's overridable settings (KafkaCrypto's DEFAULTS, stored under their
    /// lower-case names), with the same fallback to [DEFAULT] and the same defaults as the library.
    /// A value that is present but not of the right kind is an error rather than silently ignored.
    /// </summary>
    internal sealed class NodeSettings
    {
        private readonly NodeConfigFile _config;

        public NodeSettings(NodeConfigFile config) => _config = config;

        public double Number(string section, string key, double fallback)
        {
            string? raw = _config.GetWithDefaults(section, key);
            if (raw == null)
            {
                return fallback;
            }
            return ConfigValue.TryDecodeNumber(raw, out double value)
                ? value
                : throw NodeErrors.Invalid(_config.Path, $"'{key}' in [{section}] is not a number");
        }

        public bool Bool(string section, string key, bool fallback)
        {
            string? raw = _config.GetWithDefaults(section, key);
            if (raw == null)
            {
                return fallback;
            }
            return ConfigValue.TryDecodeBool(raw, out bool value)
                ? value
                : throw NodeErrors.Invalid(_config.Path, $"'{key}' in [{section}] is not True or False");
        }

        public string Text(string section, string key, string fallback)
        {
            string? raw = _config.GetWithDefaults(section, key);
            return raw == null ? fallback : ConfigValue.DecodeText(raw);
        }
    }
}
