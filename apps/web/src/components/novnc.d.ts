/** The part of @novnc/novnc's RFB class the console uses (the package ships no types). */
declare module '@novnc/novnc' {
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, urlOrChannel: string | WebSocket, options?: { shared?: boolean; wsProtocols?: string[]; credentials?: { password?: string } });
    viewOnly: boolean;
    scaleViewport: boolean;
    clipViewport: boolean;
    resizeSession: boolean;
    focusOnClick: boolean;
    compressionLevel: number;
    qualityLevel: number;
    showDotCursor: boolean;
    background: string;
    disconnect(): void;
    sendCredentials(credentials: { password?: string }): void;
    focus(): void;
  }
}
