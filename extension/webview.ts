// The HTML shell of the extension's webviews: a strict content security policy (scripts only with a
// per-load nonce, styles and scripts only from media/), the theme's CSS variables, and the page script.

import * as vscode from 'vscode';

export function webviewHtml(view: vscode.Webview, media: vscode.Uri, script: string, title: string): string {
  const nonce = Array.from({ length: 32 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 62)]).join('');
  const css = (f: string) => view.asWebviewUri(vscode.Uri.joinPath(media, f));
  const csp = [
    "default-src 'none'",
    `style-src ${view.cspSource}`,
    `img-src ${view.cspSource} data:`,
    `font-src ${view.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${css('common.css')}" rel="stylesheet">
<link href="${css(script.replace(/\.js$/, '.css'))}" rel="stylesheet">
<title>${title}</title>
</head>
<body>
<div id="root" aria-live="polite"></div>
<script nonce="${nonce}" src="${css('dom.js')}"></script>
<script nonce="${nonce}" src="${css(script)}"></script>
</body>
</html>`;
}
