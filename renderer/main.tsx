import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import type { EngineClient } from '../engine/api/client';
import { App, Locked } from './App';
import { ipcClient } from './client/ipc';
import { takeToken } from './client/token';
import { defaultWsUrl, wsClient } from './client/ws';
import { hashToView } from './state/reducers';
import { appStore, startController } from './state/store';
import { installSortableTables } from './components/sortable-tables';

/** Electron: the preload's bridge; a browser: the headless host's WebSocket with the token from the URL. */
function pickClient(): EngineClient | null {
  if (window.harvest) return ipcClient(window.harvest);
  const token = takeToken(location, sessionStorage, history);
  if (!token) return null;
  return wsClient(defaultWsUrl(location), token);
}

document.documentElement.dataset['theme'] = appStore.getState().theme;
installSortableTables(document.getElementById('root')!);
const root = createRoot(document.getElementById('root')!);
const client = pickClient();
if (!client) {
  root.render(
    <StrictMode>
      <Locked />
    </StrictMode>,
  );
} else {
  const initial = hashToView(location.hash);
  if (initial) appStore.setState({ view: initial });
  startController(client);
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
