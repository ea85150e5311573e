# The XRD metadata example as a PowerShell script block: the same job as XrdCsvMetadataReproducer.cs.
#
#   Start-MsiLocalBroker
#   Send-MsiDataFile -Path ./sample-data/*.csv -Topic xrd
#   ./xrd_metadata.ps1 -Topic xrd -ResultTopic xrd-metadata -IdleTimeout 10
param(
    [Parameter(Mandatory)] [string] $Topic,
    [Parameter(Mandatory)] [string] $ResultTopic,
    [TimeSpan] $IdleTimeout = [TimeSpan]::FromSeconds(30)
)

Invoke-MsiStreamProcessor -Topic $Topic -ResultTopic $ResultTopic -Metadata -IdleTimeout $IdleTimeout -Filter '\.csv$' -ScriptBlock {
    param($File)
    $text = if ($File.Bytes) { [Text.Encoding]::UTF8.GetString($File.Bytes) } else { Get-Content -LiteralPath $File.FullName -Raw }
    $metadata = [ordered]@{}
    $inConditions = $false
    foreach ($line in $text -split "`r?`n") {
        $line = $line.Trim()
        if ($line -eq '[Measurement conditions]') { $inConditions = $true; continue }
        if ($line -eq '[Scan points]') { break }
        if (-not $inConditions -or -not $line) { continue }
        $name, $values = $line -split ',' | ForEach-Object Trim
        $values = @($values | Where-Object { $_ })
        $metadata[$name] = if ($values.Count -eq 1) { $values[0] } elseif ($values.Count -eq 0) { $null } else { $values }
    }
    if (-not $inConditions) { throw "'$($File.RelativePath)' has no [Measurement conditions] block." }
    $metadata['metadata_message_generated_at'] = (Get-Date).ToString('MM/dd/yyyy, HH:mm:ss', [Globalization.CultureInfo]::InvariantCulture)
    $metadata
}
