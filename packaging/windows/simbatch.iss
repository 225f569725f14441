; Inno Setup 6 script for SimBatch on Windows: a per-user install (no administrator rights needed).
; Build (see packaging/README.md):  bash packaging/windows/build_installer.sh
;   (which runs: iscc /DAppVersion=<pyproject version> packaging\windows\simbatch.iss)
; Input: dist\simbatch\ from packaging/build_bundle.sh. Output: dist\SimBatch-<version>-setup.exe
; The default AppVersion below must equal pyproject.toml's version (tests/unit/test_release_files.py).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "SimBatch"
#define RepoRoot "..\.."

[Setup]
; Keep this AppId for every release: upgrades and the uninstaller find earlier installs by it.
AppId={{6C1B6A52-3F0E-4E55-9E0B-5A1C2D7F9B41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=SimBatch
VersionInfoVersion={#AppVersion}
; Per-user: installs under %LOCALAPPDATA%\Programs\SimBatch, Start menu and desktop of this user only.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#RepoRoot}\dist
OutputBaseFilename=SimBatch-{#AppVersion}-setup
SetupIconFile={#RepoRoot}\resources\icons\simbatch.ico
UninstallDisplayIcon={app}\simbatch-gui.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
; Code signing (see README): iscc /DSignTool=simbatchsign "/Ssimbatchsign=signtool sign ... $f" ...
; Without /DSignTool the installer is built unsigned.
#ifdef SignTool
SignTool={#SignTool}
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade first removes the previous version's Qt binding, so stale Qt libraries and plugins never
; mix with the new ones (PyInstaller names files by module, not by version).
Type: filesandordirs; Name: "{app}\_internal\PySide6"
Type: filesandordirs; Name: "{app}\_internal\shiboken6"

[Files]
Source: "{#RepoRoot}\dist\simbatch\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\simbatch-gui.exe"; WorkingDir: "{userdocs}"; Comment: "Validate, complete and enrich scenario vitals"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\simbatch-gui.exe"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\simbatch-gui.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Uninstalling removes only what was installed under {app}. The user's data folder
; (%LOCALAPPDATA%\SimBatch: run journal, settings, logs) is deliberately kept, so nothing is lost
; when upgrading or reinstalling; there is no [UninstallDelete] entry for it. Secrets live in the
; Windows Credential Manager and are also left alone (`simbatch logout` removes them).
