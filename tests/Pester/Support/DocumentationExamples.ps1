<#
.SYNOPSIS
    The examples of Get-Help for every cmdlet and the README's PowerShell blocks (except "Try it in one
    session"), each with the reason it cannot run here, or none.
#>
function Get-DocumentationExamples {
    # Why an example cannot run here; the first rule that matches wins.
    $rules = @(
        @{ Pattern = 'Read-Host|Get-Credential'; Reason = 'asks for a password at the keyboard' }
        @{ Pattern = '[A-Z]:\\|\\\\server|//instrument-pc|(?<![.\w])/data/|/etc/openmsistream|/home/lab|/path/to'; Reason = 'names folders of a lab machine' }
        @{ Pattern = '(kafka\.lab|minio\.lab|broker:9092)(?![\s\S]*-WhatIf)'; Reason = 'talks to a lab''s Kafka or S3 server' }
        @{ Pattern = '(Start|Stop|Restart)-MsiService (?![\s\S]*-WhatIf)|\| (Start|Stop)-MsiService(?! -Scope User -WhatIf)'; Reason = 'starts or stops a service: no running systemd here' }
        @{ Pattern = '-RunAs lab'; Reason = 'runs a service as the account of a lab machine' }
        @{ Pattern = 'Add-Type -Path \./XrdMetadata\.dll'; Reason = 'loads a .NET handler built from examples/XrdMetadata (its tests run it)' }
        @{ Pattern = 'Register-PSResourceRepository|Register-PSRepository|Install-Module|Install-PSResource'; Reason = 'installs the module (the Installed pass of this suite does)' }
        @{ Pattern = '\$PROFILE|\$env:PATH \+='; Reason = 'changes the user''s profile or PATH' }
        @{ Pattern = '-Credential \$'; Reason = 'needs credentials' }
        @{ Pattern = '-Confirm(?!:)'; Reason = 'asks for confirmation at the keyboard' }
    )
    $examples = [Collections.Generic.List[object]]::new()
    foreach ($command in Get-Command -Module OpenMsiStream | Sort-Object Name) {
        $number = 0
        foreach ($example in (Get-Help $command.Name -Full).examples.example) {
            $number++
            $examples.Add([pscustomobject]@{ Cmdlet = $command.Name; Number = $number; Code = ($example.code -join "`n") })
        }
    }
    # The README's PowerShell blocks, except "Try it in one session" (NewUser.Tests.ps1 types it into a terminal).
    $readme = Get-Content -Raw -LiteralPath (Join-Path (Get-TestRepoRoot) 'README.md')
    foreach ($block in [regex]::Matches($readme, '(?m)^```powershell\n(?<code>.*?)^```', 'Singleline')) {
        $line = ($readme.Substring(0, $block.Index) -split "`n").Count
        $code = $block.Groups['code'].Value
        if ($code -notmatch 'New-Item -ItemType Directory ./data/spectra') {
            $examples.Add([pscustomobject]@{ Cmdlet = 'README'; Number = $line; Code = $code })
        }
    }
    foreach ($example in $examples) {
        $rule = $rules | Where-Object { $example.Code -match $_.Pattern } | Select-Object -First 1
        $example | Add-Member Reason ($rule ? $rule.Reason : $null)
    }
    $examples
}
