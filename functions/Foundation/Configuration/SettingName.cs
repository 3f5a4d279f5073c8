namespace Credentials.Functions.Foundation.Configuration;

/// <summary>Spells a setting the way both configuration paths and Azure app settings name it, for start-up errors.</summary>
internal static class SettingName
{
    public static string Of(string section, string key) => $"{section}:{key} (app setting {section}__{key})";

    public static string Of(string section, string subsection, string key) =>
        $"{section}:{subsection}:{key} (app setting {section}__{subsection}__{key})";

    public static string Of(string section, string subsection, string index, string key) =>
        $"{section}:{subsection}:{index}:{key} (app setting {section}__{subsection}__{index}__{key})";

    public static string Of(string section, string subsection, string index, string key, string item) =>
        $"{section}:{subsection}:{index}:{key}:{item} (app setting {section}__{subsection}__{index}__{key}__{item})";
}
