// Entry point of the bundle: the stylesheets (ours and uPlot's, bundled into one file) and the app
// mounted into the shell's #app.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app.js';

render(<App />, document.getElementById('app')!);
