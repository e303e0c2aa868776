// The main-process entry electron-vite builds to out/main/main.js.
import { launch } from './main';

launch();
